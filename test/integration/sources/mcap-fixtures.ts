import { readFile, writeFile } from "node:fs/promises";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import {
  McapIndexedReader,
  McapWriter,
  type IWritable,
  type McapTypes,
  type McapWriterOptions,
} from "@mcap/core";
import {
  ROS1_COMPRESSED_IMAGE_SCHEMA,
  ROS1_IMAGE_SCHEMA,
  ROS2_COMPRESSED_IMAGE_SCHEMA,
  ROS2_IMAGE_SCHEMA,
  type RosSchemaText,
} from "../../../src/sources/ros-msg-defs.js";
import { writeRos1CompressedImage, writeRos1Image } from "../../../src/sources/ros1-image-codec.js";
import type { CompressedImageMsg, ImageMsg } from "../../../src/sources/ros-image.js";

export class MemoryWritable implements IWritable {
  private chunks: Uint8Array[] = [];
  private pos = 0n;
  write(buffer: Uint8Array): Promise<void> {
    this.chunks.push(buffer.slice());
    this.pos += BigInt(buffer.length);
    return Promise.resolve();
  }
  position(): bigint {
    return this.pos;
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

export type FixtureMessage =
  | { topic: string; kind: "image"; msg: ImageMsg; logTime: bigint; raw?: Uint8Array }
  | { topic: string; kind: "compressed"; msg: CompressedImageMsg; logTime: bigint; raw?: Uint8Array }
  | { topic: string; kind: "string"; msg: { data: string }; logTime: bigint; raw?: Uint8Array };

const STRING_SCHEMA: RosSchemaText = {
  name: "std_msgs/msg/String",
  encoding: "ros2msg",
  text: "string data\n",
};

/** Writes an MCAP file. `raw` on a message replaces its serialized bytes (to inject corrupt data). */
export async function writeMcap(
  path: string,
  messages: readonly FixtureMessage[],
  opts: { ros1?: boolean; writer?: Partial<McapWriterOptions>; truncateTo?: number } = {},
): Promise<void> {
  const out = new MemoryWritable();
  const w = new McapWriter({ writable: out, chunkSize: 64 * 1024, ...opts.writer });
  await w.start({ profile: opts.ros1 ? "ros1" : "ros2", library: "segstream-test" });
  const schemaFor = (kind: FixtureMessage["kind"]): RosSchemaText =>
    kind === "string"
      ? STRING_SCHEMA
      : opts.ros1
        ? kind === "image"
          ? ROS1_IMAGE_SCHEMA
          : ROS1_COMPRESSED_IMAGE_SCHEMA
        : kind === "image"
          ? ROS2_IMAGE_SCHEMA
          : ROS2_COMPRESSED_IMAGE_SCHEMA;
  const schemaIds = new Map<string, number>();
  const writers = new Map<string, MessageWriter>();
  const channelIds = new Map<string, number>();
  for (const m of messages) {
    if (channelIds.has(m.topic)) continue;
    const s = schemaFor(m.kind);
    let sid = schemaIds.get(s.name);
    if (sid === undefined) {
      sid = await w.registerSchema({
        name: s.name,
        encoding: s.encoding,
        data: new TextEncoder().encode(s.text),
      });
      schemaIds.set(s.name, sid);
      if (s.encoding === "ros2msg") writers.set(s.name, new MessageWriter(parse(s.text, { ros2: true })));
    }
    const cid = await w.registerChannel({
      topic: m.topic,
      schemaId: sid,
      messageEncoding: opts.ros1 ? "ros1" : "cdr",
      metadata: new Map([["offered_qos_profiles", ""]]),
    });
    channelIds.set(m.topic, cid);
  }
  let seq = 0;
  for (const m of messages) {
    let data = m.raw;
    if (!data) {
      if (opts.ros1 && m.kind === "image") data = writeRos1Image(m.msg);
      else if (opts.ros1 && m.kind === "compressed") data = writeRos1CompressedImage(m.msg);
      else data = writers.get(schemaFor(m.kind).name)!.writeMessage(m.msg);
    }
    await w.addMessage({
      channelId: channelIds.get(m.topic)!,
      sequence: seq++,
      logTime: m.logTime,
      publishTime: m.logTime,
      data,
    });
  }
  await w.end();
  let bytes = out.bytes();
  if (opts.truncateTo !== undefined) bytes = bytes.subarray(0, opts.truncateTo);
  await writeFile(path, bytes);
}

/** A small deterministic rgb image. */
export function rgbImage(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let i = 0; i < d.length; i++) d[i] = (i * 31 + seed * 17 + ((i / 3) | 0) * 7) & 0xff;
  return d;
}

/** Smooth rgb image (JPEG-friendly). */
export function smoothImage(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      d[i] = (x * 4 + seed) & 0xff;
      d[i + 1] = (y * 4) & 0xff;
      d[i + 2] = 128;
    }
  return d;
}

export function header(sec: number, nanosec: number, frame_id = "camera_optical"): ImageMsg["header"] {
  return { stamp: { sec, nanosec }, frame_id };
}

/** Copies tightly packed rows into rows of `step` bytes (padding filled with 0xEE). */
export function padRows(data: Uint8Array, rowBytes: number, height: number, step: number): Uint8Array {
  const out = new Uint8Array(step * height).fill(0xee);
  for (let y = 0; y < height; y++) out.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * step);
  return out;
}

/** A file's bytes (to damage and write back) and its chunk indexes in file order. */
export async function fileChunks(
  path: string,
): Promise<{ bytes: Uint8Array; chunks: McapTypes.ChunkIndex[] }> {
  const bytes = new Uint8Array(await readFile(path));
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: () => Promise.resolve(BigInt(bytes.length)),
      read: (o, n) => Promise.resolve(bytes.slice(Number(o), Number(o + n))),
    },
  });
  const chunks = [...reader.chunkIndexes].sort((a, b) => Number(a.chunkStartOffset - b.chunkStartOffset));
  return { bytes, chunks };
}
