import { mcapDecompressHandlers } from "./mcap-compression.js";
import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { McapIndexedReader, McapStreamReader, type McapTypes } from "@mcap/core";
import type { Frame } from "../frames/frame.js";
import { InputError, errorMessage, problem } from "../frames/problem.js";
import { nativeCrc32 } from "../util/native-crc32.js";
import { checkUncompressedChunkCrc } from "./mcap-chunk-crc.js";
import { decoderFor, type ImageDecoder } from "./mcap-decoders.js";
import { imageSchemaKind } from "./ros-msg-defs.js";
import { bagFolderHint, notMcapHint } from "./recording-kind.js";
import { BadMessageError, compressedToFrame, imageMsgToFrame } from "./ros-image.js";
import { threadedSource } from "./source-thread.js";
import type { FrameSource, SourceEvent } from "./source.js";

export interface McapSourceOptions {
  /** Topic to replay; default: the only image topic in the file. */
  readonly topic?: string;
  readonly sourceId?: string;
  /**
   * Chunk decompressors by compression name, as @mcap/core expects. Default: zstd and lz4 from
   * `@foxglove/wasm-zstd` / `@foxglove/wasm-lz4` (Node 20 zlib has neither).
   */
  readonly decompressHandlers?: McapTypes.DecompressHandlers;
  /**
   * Read and decode the messages in a worker thread (default), so chunk CRC checks,
   * decompression, copies and CDR decoding stay off the main thread (measured: a 4 MiB chunk's
   * CRC and copies held the main thread 3–8 ms at once). Files without an index, and custom
   * `decompressHandlers` (functions cannot cross threads), are read in the calling thread.
   */
  readonly readInWorker?: boolean;
  /**
   * Decode CompressedImage PNGs synchronously on the reading thread (png-decode.ts; see
   * `ImagesSourceOptions.decodeOnThisThread`). Set by the reader thread. Default false.
   */
  readonly decodeOnThisThread?: boolean;
}

/** Splits the part after `mcap:` into file and optional topic (`FILE#TOPIC`, split at the last `#`). */
export function parseMcapSpec(spec: string): { path: string; topic: string | undefined } {
  const i = spec.lastIndexOf("#");
  if (i < 0) return { path: spec, topic: undefined };
  return { path: spec.slice(0, i), topic: spec.slice(i + 1) || undefined };
}

/**
 * @mcap/core random-access readable over a file handle. With `uncompressedChunks` (start offset
 * → length of the file's uncompressed chunks), a read of one of them checks its CRC natively
 * (mcap-chunk-crc.ts) and the reader is told not to check again (`validateCrcs: false`).
 */
class FileReadable implements McapTypes.IReadable {
  uncompressedChunks: ReadonlyMap<bigint, bigint> | undefined;
  /** Offset of the last read: after a chunk fails its CRC or decompression, that chunk's start. */
  lastReadOffset: bigint | undefined;

  constructor(
    private readonly fh: FileHandle,
    private readonly bytes: bigint,
  ) {}

  size(): Promise<bigint> {
    return Promise.resolve(this.bytes);
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    this.lastReadOffset = offset;
    const buf = new Uint8Array(Number(size));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, Number(offset) + done);
      if (bytesRead === 0) throw new RangeError(`read past end of file at ${Number(offset) + done}`);
      done += bytesRead;
    }
    if (this.uncompressedChunks?.get(offset) === size) checkUncompressedChunkCrc(buf, offset);
    return buf;
  }
}

/** All records of an MCAP file, read sequentially (for files without a usable index). */
async function* streamRecords(
  path: string,
  decompressHandlers: McapTypes.DecompressHandlers | undefined,
): AsyncGenerator<McapTypes.TypedMcapRecord> {
  const reader = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      reader.append(chunk);
      for (let r; (r = reader.nextRecord());) yield r;
    }
  } finally {
    file.destroy();
  }
  if (!reader.done()) throw new Error("file ends before the MCAP footer (truncated recording?)");
}

/** A damaged chunk the replay skipped (see `messages()` in openMcapSource). */
interface Damaged {
  readonly damaged: string;
}

interface ChannelInfo {
  readonly id: number;
  readonly topic: string;
  readonly schemaName: string;
  readonly kind: "image" | "compressed" | undefined;
  readonly decoder: ImageDecoder | string; // string: why it cannot be decoded
}

function describeChannels(channels: ChannelInfo[]): string {
  const image = channels.filter((c) => c.kind);
  const other = channels.filter((c) => !c.kind);
  const fmt = (cs: ChannelInfo[]): string =>
    [...new Set(cs.map((c) => `${c.topic} (${c.schemaName || "no schema"})`))].join(", ") || "none";
  return `image topics: ${fmt(image)}; other topics: ${fmt(other)}`;
}

function channelInfo(ch: McapTypes.Channel, schema: McapTypes.Schema | undefined): ChannelInfo {
  const schemaName = schema?.name ?? "";
  const kind = imageSchemaKind(schemaName);
  const decoder = kind ? decoderFor(kind, ch.messageEncoding, schema) : "not an image topic";
  return { id: ch.id, topic: ch.topic, schemaName, kind, decoder };
}

/**
 * Replays `sensor_msgs/(msg/)Image` and `CompressedImage` messages of one topic of an MCAP file
 * as Frames, in log-time order.
 *
 * - Reading: @mcap/core's indexed reader over the file handle; files without summary/chunk
 *   indexes (e.g. a recording cut off before its footer) fall back to the streaming reader.
 * - Encodings: ROS 2 (`cdr` messages, `ros2msg` schemas; `ros2idl`/missing schemas use the
 *   built-in Humble layouts) and ROS 1 (`ros1` messages).
 * - Topic: `opts.topic` (leading `/` optional), else the single image topic; several image topics,
 *   none, or an unknown topic → InputError listing the topics found.
 * - stampNs: header stamp (sec·1e9 + nanosec); when the header stamp is zero (unset), the
 *   message's MCAP log time. meta: `frameId` (header.frame_id), `topic`, `uri`.
 * - Per message: an undecodable message → `decode-failed`, an unsupported image encoding or
 *   CompressedImage format → `bad-message`; the replay goes on. Pull-based: a message is read
 *   and decoded only when the consumer asks for the next event (in a worker thread, up to two
 *   events ahead; see `readInWorker` and source-thread.ts).
 */
export async function openMcapSource(path: string, opts: McapSourceOptions = {}): Promise<FrameSource> {
  const opened = await openMcapReader(path, opts);
  if (opts.readInWorker === false || opts.decompressHandlers !== undefined || !opened.indexed) {
    return opened.source;
  }
  // Start-up checks (file, topic, decoders) ran here; the worker reopens the file for the messages.
  await opened.source.close();
  const { id, frameCount, fps } = opened.source;
  return threadedSource({ kind: "mcap", path, topic: opened.topic, sourceId: id }, { id, frameCount, fps });
}

/** Opens the file in this thread: start-up checks, then the in-thread FrameSource. */
async function openMcapReader(
  path: string,
  opts: McapSourceOptions,
): Promise<{ source: FrameSource; topic: string; indexed: boolean }> {
  const name = `mcap:${path}`;
  let size: bigint;
  let isDir = false;
  try {
    const st = await stat(path);
    isDir = st.isDirectory();
    if (!st.isFile()) throw new Error(isDir ? "a directory, not a file" : "not a regular file");
    size = BigInt(st.size);
  } catch (e) {
    throw new InputError(
      name,
      `cannot open MCAP file (${errorMessage(e)})`,
      isDir ? await bagFolderHint(path) : undefined,
    );
  }
  const decompressHandlers = opts.decompressHandlers ?? (await mcapDecompressHandlers());
  const fh = await open(path, "r");
  let indexed: McapIndexedReader | undefined;
  const readable = new FileReadable(fh, size);
  const channels: ChannelInfo[] = [];
  try {
    try {
      const r = await McapIndexedReader.Initialize({ readable, decompressHandlers });
      const hasMessages = (r.statistics?.messageCount ?? 1n) > 0n;
      if (r.chunkIndexes.length > 0 || !hasMessages) indexed = r;
    } catch {
      indexed = undefined; // no (valid) summary: read sequentially below
    }
    if (indexed) {
      for (const ch of indexed.channelsById.values())
        channels.push(channelInfo(ch, indexed.schemasById.get(ch.schemaId)));
      const unsupported = [...new Set(indexed.chunkIndexes.map((c) => c.compression))].filter(
        (c) => c !== "" && !decompressHandlers?.[c],
      );
      if (unsupported.length > 0) {
        throw new InputError(
          name,
          `chunks are compressed with ${unsupported.join(", ")}, which this build cannot decompress`,
          "pass decompressHandlers (e.g. from @foxglove/wasm-zstd / @foxglove/wasm-lz4) or re-write the file uncompressed (`mcap convert --compression none`)",
        );
      }
    } else {
      const schemas = new Map<number, McapTypes.Schema>();
      try {
        for await (const rec of streamRecords(path, decompressHandlers)) {
          if (rec.type === "Schema") schemas.set(rec.id, rec);
          else if (rec.type === "Channel" && !channels.some((c) => c.id === rec.id)) {
            channels.push(channelInfo(rec, schemas.get(rec.schemaId)));
          }
        }
      } catch (e) {
        if (channels.length === 0) {
          const head = new Uint8Array(16);
          await fh.read(head, 0, 16, 0);
          throw new InputError(
            name,
            `not a readable MCAP file (${errorMessage(e)})`,
            notMcapHint(path, head),
          );
        }
        // Channels found before the damage are still replayable; the error repeats as a problem later.
      }
    }
  } catch (e) {
    await fh.close();
    throw e;
  }

  const wanted = opts.topic;
  let chosen: ChannelInfo[];
  if (wanted !== undefined) {
    const norm = (t: string): string => t.replace(/^\/+/, "");
    chosen = channels.filter((c) => c.topic === wanted);
    if (chosen.length === 0) chosen = channels.filter((c) => norm(c.topic) === norm(wanted));
    if (chosen.length === 0) {
      await fh.close();
      throw new InputError(
        `${name}#${wanted}`,
        `no topic "${wanted}" in the file (${describeChannels(channels)})`,
      );
    }
    if (!chosen.some((c) => c.kind)) {
      await fh.close();
      throw new InputError(
        `${name}#${wanted}`,
        `topic has type ${chosen[0]!.schemaName || "(no schema)"}, not sensor_msgs Image/CompressedImage (${describeChannels(channels)})`,
      );
    }
  } else {
    const imageTopics = [...new Set(channels.filter((c) => c.kind).map((c) => c.topic))];
    if (imageTopics.length !== 1) {
      await fh.close();
      throw new InputError(
        name,
        imageTopics.length === 0
          ? `no sensor_msgs Image/CompressedImage topic (${describeChannels(channels)})`
          : `several image topics, choose one with mcap:FILE#TOPIC (${describeChannels(channels)})`,
      );
    }
    chosen = channels.filter((c) => c.topic === imageTopics[0]);
  }
  const topic = chosen[0]!.topic;
  const input = `${name}#${topic}`;
  const undecodable = chosen.find((c) => typeof c.decoder === "string");
  if (undecodable && chosen.every((c) => typeof c.decoder === "string")) {
    await fh.close();
    throw new InputError(input, `cannot decode: ${String(undecodable.decoder)}`);
  }
  const byId = new Map(chosen.map((c) => [c.id, c]));
  const sourceId = opts.sourceId ?? "mcap";
  let frameCount: number | undefined;
  if (indexed?.statistics) {
    frameCount = 0;
    for (const c of chosen) frameCount += Number(indexed.statistics.channelMessageCounts.get(c.id) ?? 0n);
  }

  let closed = false;
  let fhClosed = false;
  const close = async (): Promise<void> => {
    closed = true;
    if (!fhClosed) {
      fhClosed = true;
      await fh.close();
    }
  };

  // Every chunk uncompressed: their CRCs are checked natively as they are read (FileReadable).
  const nativeCrc =
    nativeCrc32 !== undefined &&
    indexed !== undefined &&
    indexed.chunkIndexes.every((c) => c.compression === "");
  if (nativeCrc)
    readable.uncompressedChunks = new Map(
      indexed!.chunkIndexes.map((c) => [c.chunkStartOffset, c.chunkLength]),
    );

  /**
   * The topic's messages in log-time order. Indexed files survive a damaged chunk (CRC mismatch,
   * corrupt compression): it is reported as a `Damaged` event and the replay resumes after its
   * time range; an unindexed file cannot be resynchronised and stops there.
   */
  async function* messages(): AsyncGenerator<McapTypes.Message | Damaged> {
    if (indexed) {
      let startTime: bigint | undefined;
      for (;;) {
        try {
          for await (const m of indexed.readMessages({
            topics: [topic],
            validateCrcs: !nativeCrc,
            ...(startTime !== undefined ? { startTime } : {}),
          })) {
            yield m;
          }
          return;
        } catch (e) {
          const at = readable.lastReadOffset;
          const chunk = indexed.chunkIndexes.find((c) => c.chunkStartOffset === at);
          // Not a chunk read, or no progress (the same chunk again): nothing to skip to.
          if (chunk === undefined || (startTime !== undefined && chunk.messageEndTime < startTime)) throw e;
          yield {
            damaged:
              `chunk at offset ${chunk.chunkStartOffset} (log time ${chunk.messageStartTime}–${chunk.messageEndTime}) ` +
              `is damaged (${errorMessage(e)}); its messages are skipped, ` +
              `replay resumes at log time ${chunk.messageEndTime + 1n}`,
          };
          startTime = chunk.messageEndTime + 1n;
        }
      }
    }
    for await (const rec of streamRecords(path, decompressHandlers)) {
      if (rec.type === "Message" && byId.has(rec.channelId)) yield rec;
    }
  }

  async function toFrame(msg: McapTypes.Message, ch: ChannelInfo, id: number): Promise<Frame> {
    if (typeof ch.decoder === "string") throw new BadMessageError(ch.decoder);
    const decoded = ch.decoder(msg.data);
    const o = {
      id,
      sourceId,
      fallbackStampNs: msg.logTime,
      meta: { topic, uri: path },
      input: `${input}@${msg.logTime}`,
      decodeOnThisThread: opts.decodeOnThisThread === true,
    };
    return decoded.kind === "image" ? imageMsgToFrame(decoded.msg, o) : compressedToFrame(decoded.msg, o);
  }

  async function* events(): AsyncGenerator<SourceEvent> {
    let i = 0;
    const it = messages();
    try {
      while (!closed) {
        let r: IteratorResult<McapTypes.Message | Damaged>;
        try {
          r = await it.next();
        } catch (e) {
          yield problem("read-failed", input, `cannot read further: ${errorMessage(e)}`, { sourceId });
          break;
        }
        if (r.done || closed) break;
        if ("damaged" in r.value) {
          yield problem("read-failed", input, r.value.damaged, { sourceId });
          continue;
        }
        const msg = r.value;
        const ch = byId.get(msg.channelId);
        if (!ch) continue;
        const id = i++;
        try {
          yield await toFrame(msg, ch, id);
        } catch (e) {
          const code = e instanceof BadMessageError ? "bad-message" : "decode-failed";
          yield problem(code, input, `message at log time ${msg.logTime}: ${errorMessage(e)}`, {
            sourceId,
            frameId: id,
            stampNs: msg.logTime,
          });
        }
      }
    } finally {
      await it.return(undefined).catch(() => undefined);
      await close();
    }
  }

  return {
    source: { id: sourceId, kind: "replay", frameCount, fps: undefined, events, close },
    topic,
    indexed: indexed !== undefined,
  };
}
