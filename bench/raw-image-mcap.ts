/**
 * A ROS 2 bag of raw frames for bench/pipeline.ts: one `sensor_msgs/msg/Image` (rgb8, CDR) per
 * frame on /camera/image_raw, header stamps at `fps`, in 4 MiB chunks (uncompressed, as
 * `ros2 bag record --storage mcap` writes by default). Replaying it costs no image decoding,
 * so the replay ÷ bare ratio shows what the pipeline itself costs.
 */
import { writeFile } from "node:fs/promises";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter } from "@foxglove/rosmsg2-serialization";
import { McapWriter, type IWritable } from "@mcap/core";
import { ROS2_IMAGE_SCHEMA } from "../src/sources/ros-msg-defs.js";

export const RAW_IMAGE_TOPIC = "/camera/image_raw";

/** Collects the writer's output in memory (the bench's bags are a few hundred MB at most). */
class Chunks implements IWritable {
  readonly parts: Uint8Array[] = [];
  private pos = 0n;
  write(buffer: Uint8Array): Promise<void> {
    this.parts.push(buffer.slice());
    this.pos += BigInt(buffer.length);
    return Promise.resolve();
  }
  position(): bigint {
    return this.pos;
  }
}

export async function writeRawImageMcap(
  path: string,
  frames: Iterable<{ readonly width: number; readonly height: number; readonly rgb: Uint8Array }>,
  fps: number,
): Promise<void> {
  const out = new Chunks();
  const w = new McapWriter({ writable: out, chunkSize: 4 * 1024 * 1024 });
  await w.start({ profile: "ros2", library: "segstream-bench" });
  const schemaId = await w.registerSchema({
    name: ROS2_IMAGE_SCHEMA.name,
    encoding: ROS2_IMAGE_SCHEMA.encoding,
    data: new TextEncoder().encode(ROS2_IMAGE_SCHEMA.text),
  });
  const channelId = await w.registerChannel({
    topic: RAW_IMAGE_TOPIC,
    schemaId,
    messageEncoding: "cdr",
    metadata: new Map(),
  });
  const cdr = new MessageWriter(parse(ROS2_IMAGE_SCHEMA.text, { ros2: true }));
  let i = 0;
  for (const f of frames) {
    const stampNs = (BigInt(i) * 1_000_000_000n) / BigInt(fps);
    const data = cdr.writeMessage({
      header: {
        stamp: { sec: Number(stampNs / 1_000_000_000n), nanosec: Number(stampNs % 1_000_000_000n) },
        frame_id: "camera",
      },
      height: f.height,
      width: f.width,
      encoding: "rgb8",
      is_bigendian: 0,
      step: 3 * f.width,
      data: f.rgb,
    });
    await w.addMessage({ channelId, sequence: i, logTime: stampNs, publishTime: stampNs, data });
    i++;
  }
  await w.end();
  await writeFile(path, Buffer.concat(out.parts));
}
