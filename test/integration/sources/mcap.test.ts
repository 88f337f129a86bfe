import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeJpeg, encodePng } from "../../../src/frames/codec.js";
import { InputError } from "../../../src/frames/problem.js";
import { openMcapSource, parseMcapSpec } from "../../../src/sources/mcap.js";
import { collect, psnr } from "./helpers.js";
import {
  fileChunks,
  header,
  padRows,
  rgbImage,
  smoothImage,
  writeMcap,
  type FixtureMessage,
} from "./mcap-fixtures.js";

const W = 24;
const H = 16;
let dir: string;
let file: string;
const rgb = rgbImage(W, H, 1);
const bgr = rgbImage(W, H, 2);
const mono = rgbImage(W, H, 3).subarray(0, W * H);
const smooth = smoothImage(W, H, 5);
let jpeg: Uint8Array;
let png: Uint8Array;

function image(
  topic: string,
  encoding: string,
  data: Uint8Array,
  bpp: number,
  stamp: [number, number],
  logTime: bigint,
  step = W * bpp,
): FixtureMessage {
  return {
    topic,
    kind: "image",
    logTime,
    msg: {
      header: header(...stamp),
      height: H,
      width: W,
      encoding,
      is_bigendian: 0,
      step,
      data: step === W * bpp ? data : padRows(data, W * bpp, H, step),
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "segstream-mcap-"));
  jpeg = await encodeJpeg({ width: W, height: H, encoding: "rgb8", data: smooth }, { quality: 95 });
  png = await encodePng({ width: W, height: H, encoding: "rgb8", data: rgb });
  file = join(dir, "ros2.mcap");
  const t0 = 1_700_000_000n * 1_000_000_000n;
  await writeMcap(file, [
    image("/cam/image_raw", "rgb8", rgb, 3, [1_700_000_000, 5], t0 + 10n),
    image("/cam/image_raw", "bgr8", bgr, 3, [1_700_000_000, 100_000_000], t0 + 20n, W * 3 + 8), // padded rows
    image("/cam/image_raw", "mono8", mono, 1, [0, 0], t0 + 30n), // unset stamp → log time
    { ...image("/cam/image_raw", "rgb8", rgb, 3, [1, 0], t0 + 40n), raw: new Uint8Array([0, 1, 0, 0, 9, 9]) }, // corrupt
    image("/cam/image_raw", "yuv422", rgb.subarray(0, W * H * 2), 2, [1, 1], t0 + 50n), // unsupported
    image("/cam/image_raw", "rgb8", rgb, 3, [1_700_000_001, 0], t0 + 60n),
    {
      topic: "/cam/compressed",
      kind: "compressed",
      logTime: t0 + 15n,
      msg: { header: header(1_700_000_000, 1), format: "jpeg", data: jpeg },
    },
    {
      topic: "/cam/compressed",
      kind: "compressed",
      logTime: t0 + 25n,
      msg: { header: header(1_700_000_000, 2), format: "png", data: png },
    },
    {
      topic: "/cam/compressed",
      kind: "compressed",
      logTime: t0 + 35n,
      msg: { header: header(1_700_000_000, 3), format: "rgb8; jpeg compressed bgr8", data: jpeg },
    },
    { topic: "/chatter", kind: "string", logTime: t0 + 5n, msg: { data: "hello" } },
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("mcap source (ROS 2, real MCAP files)", () => {
  it("reads the same events in a worker thread (the default) as in this thread", async () => {
    for (const topic of ["/cam/image_raw", "/cam/compressed"]) {
      const inWorker = await collect(await openMcapSource(file, { topic }));
      const here = await collect(await openMcapSource(file, { topic, readInWorker: false }));
      expect(inWorker.frames.length).toBeGreaterThan(0);
      expect(inWorker.frames.map((f) => ({ ...f, data: Buffer.from(f.data).toString("hex") }))).toEqual(
        here.frames.map((f) => ({ ...f, data: Buffer.from(f.data).toString("hex") })),
      );
      expect(inWorker.problems).toEqual(here.problems);
    }
  });

  it("stops its reader thread when the consumer stops early", async () => {
    const src = await openMcapSource(file, { topic: "/cam/image_raw" });
    const it = src.events()[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await it.return?.(undefined);
    await src.close();
    // close() while the consumer waits for the next event ends the replay.
    const src2 = await openMcapSource(file, { topic: "/cam/image_raw" });
    const it2 = src2.events()[Symbol.asyncIterator]();
    expect((await it2.next()).done).toBe(false);
    const pending = it2.next();
    await src2.close();
    await pending; // resolves (with an event already read, or the end)
    let rest = 0;
    while (!(await it2.next()).done) rest++;
    expect(rest).toBeLessThanOrEqual(2); // at most the events read ahead
    // A fresh replay of the same file still reads every event.
    const again = await collect(await openMcapSource(file, { topic: "/cam/image_raw" }));
    expect(again.frames.length + again.problems.length).toBe(6);
  });

  it("parses FILE#TOPIC specs", () => {
    expect(parseMcapSpec("a/b.mcap#/cam/image_raw")).toEqual({ path: "a/b.mcap", topic: "/cam/image_raw" });
    expect(parseMcapSpec("a/b.mcap")).toEqual({ path: "a/b.mcap", topic: undefined });
  });

  it("replays Image messages: exact pixels for rgb8/bgr8 (padded)/mono8, stamps, frame_id; bad ones become problems", async () => {
    const src = await openMcapSource(file, { topic: "/cam/image_raw" });
    expect(src.kind).toBe("replay");
    expect(src.frameCount).toBe(6);
    const { frames, problems } = await collect(src);
    expect(frames.map((f) => f.encoding)).toEqual(["rgb8", "bgr8", "mono8", "rgb8"]);
    expect(Buffer.from(frames[0]!.data).equals(Buffer.from(rgb))).toBe(true);
    expect(Buffer.from(frames[1]!.data).equals(Buffer.from(bgr))).toBe(true);
    expect(Buffer.from(frames[2]!.data).equals(Buffer.from(mono))).toBe(true);
    expect(frames[0]!.stampNs).toBe(1_700_000_000_000_000_005n);
    expect(frames[1]!.stampNs).toBe(1_700_000_000_100_000_000n);
    expect(frames[2]!.stampNs).toBe(1_700_000_000n * 1_000_000_000n + 30n); // zero stamp → log time
    expect(frames[0]!.meta.frameId).toBe("camera_optical");
    expect(frames[0]!.meta.topic).toBe("/cam/image_raw");
    expect(frames.map((f) => f.id)).toEqual([0, 1, 2, 5]);
    expect(problems.map((p) => p.code)).toEqual(["decode-failed", "bad-message"]);
    expect(problems[0]!.input).toBe(`mcap:${file}#/cam/image_raw`);
    expect(problems[1]!.reason).toContain('"yuv422"');
  });

  it("replays CompressedImage messages: png exact, jpeg close, transport-style format strings", async () => {
    const { frames, problems } = await collect(await openMcapSource(file, { topic: "cam/compressed" }));
    expect(problems).toEqual([]);
    expect(frames).toHaveLength(3);
    for (const f of frames) expect([f.width, f.height, f.encoding]).toEqual([W, H, "rgb8"]);
    expect(psnr(frames[0]!.data, smooth)).toBeGreaterThan(30);
    expect(Buffer.from(frames[1]!.data).equals(Buffer.from(rgb))).toBe(true);
    expect(psnr(frames[2]!.data, smooth)).toBeGreaterThan(30);
    expect(frames.map((f) => f.stampNs - 1_700_000_000_000_000_000n)).toEqual([1n, 2n, 3n]);
  });

  it.each([true, false])(
    "a CompressedImage PNG damaged inside its image data → decode-failed naming the chunk CRCs, the replay goes on (worker %s)",
    async (readInWorker) => {
      const bad = png.slice();
      bad[bad.length - 12 - 6]! ^= 0x10; // inside the last IDAT's data (IEND is the last 12 bytes)
      const f = join(dir, `damaged-png-${readInWorker}.mcap`);
      await writeMcap(
        f,
        [png, bad, png].map((data, i) => ({
          topic: "/cam/compressed",
          kind: "compressed" as const,
          logTime: BigInt(1000 + i),
          msg: { header: header(1_700_000_000, i + 1), format: "png", data },
        })),
      );
      // In-thread as the reader thread opens it (PNGs decoded on the reading thread).
      const src = await openMcapSource(
        f,
        readInWorker ? {} : { readInWorker: false, decodeOnThisThread: true },
      );
      const { frames, problems } = await collect(src);
      expect(frames.map((fr) => fr.id)).toEqual([0, 2]);
      for (const fr of frames) expect(Buffer.from(fr.data).equals(Buffer.from(rgb))).toBe(true);
      expect(problems.map((p) => p.code)).toEqual(["decode-failed"]);
      expect(problems[0]!.reason).toMatch(
        /@1001: damaged PNG \(CRC of the IDAT chunk at byte \d+: stored 0x/,
      );
    },
  );

  it("unknown topic → InputError listing the topics; several image topics without #TOPIC → InputError", async () => {
    const e1 = await openMcapSource(file, { topic: "/nope" }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(InputError);
    const m1 = (e1 as Error).message;
    expect(m1).toContain("/nope");
    expect(m1).toContain("/cam/image_raw (sensor_msgs/msg/Image)");
    expect(m1).toContain("/cam/compressed (sensor_msgs/msg/CompressedImage)");
    expect(m1).toContain("/chatter");
    const e2 = await openMcapSource(file).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(InputError);
    expect((e2 as Error).message).toMatch(/several image topics.*\/cam\/image_raw.*\/cam\/compressed/);
    const e3 = await openMcapSource(file, { topic: "/chatter" }).catch((e: unknown) => e);
    expect((e3 as Error).message).toContain("std_msgs/msg/String");
  });

  it("a single image topic is chosen without #TOPIC; missing file → InputError", async () => {
    const one = join(dir, "one.mcap");
    await writeMcap(one, [
      image("/front", "rgb8", rgb, 3, [3, 0], 1n),
      image("/front", "rgb8", bgr, 3, [4, 0], 2n),
    ]);
    const { frames } = await collect(await openMcapSource(one));
    expect(frames.map((f) => f.stampNs)).toEqual([3_000_000_000n, 4_000_000_000n]);
    const missing = join(dir, "missing.mcap");
    const e = await openMcapSource(missing).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toContain(missing);
  });

  it("reads zstd- and lz4-compressed chunks", async () => {
    const zstd = await import("@foxglove/wasm-zstd");
    await zstd.isLoaded;
    const file = join(dir, "zstd.mcap");
    await writeMcap(
      file,
      [image("/front", "rgb8", rgb, 3, [5, 0], 1n), image("/front", "rgb8", rgb, 3, [6, 0], 2n)],
      {
        writer: {
          compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data, 3) }),
        },
      },
    );
    const { frames, problems } = await collect(await openMcapSource(file));
    expect(problems).toEqual([]);
    expect(frames.map((f) => f.stampNs)).toEqual([5_000_000_000n, 6_000_000_000n]);
    expect(Buffer.from(frames[0]!.data).equals(Buffer.from(rgb))).toBe(true);
  });

  it.each([true, false])(
    "a damaged chunk (a pixel byte flipped; worker %s) → read-failed naming its offset and CRCs, and the replay goes on after it",
    async (readInWorker) => {
      const file = join(dir, `damaged-${readInWorker}.mcap`);
      const msgs = [5, 6, 7].map((s, i) => image("/front", "rgb8", rgb, 3, [s, 0], BigInt(i + 1)));
      await writeMcap(file, msgs, { writer: { chunkSize: 1 } }); // one message per chunk
      const { bytes, chunks } = await fileChunks(file);
      expect(chunks.map((c) => c.compression)).toEqual(["", "", ""]);
      const second = chunks[1]!;
      bytes[Number(second.chunkStartOffset + second.chunkLength) - 10]! ^= 0xff; // inside the image data
      await writeFile(file, bytes);

      const { frames, problems } = await collect(await openMcapSource(file, { readInWorker }));
      expect(frames.map((f) => f.stampNs)).toEqual([5_000_000_000n, 7_000_000_000n]);
      expect(Buffer.from(frames[1]!.data).equals(Buffer.from(rgb))).toBe(true);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code: "read-failed", input: `mcap:${file}#/front` });
      expect(problems[0]!.reason).toMatch(
        new RegExp(`chunk at offset ${second.chunkStartOffset}: CRC \\d+ does not match the recorded \\d+`),
      );
      expect(problems[0]!.reason).toContain(
        `chunk at offset ${second.chunkStartOffset} (log time 2–2) is damaged (`,
      );
      expect(problems[0]!.reason).toContain("its messages are skipped, replay resumes at log time 3");
    },
  );

  it("a damaged zstd chunk is skipped too (its CRC checked after decompression)", async () => {
    const zstd = await import("@foxglove/wasm-zstd");
    await zstd.isLoaded;
    const file = join(dir, "damaged-zstd.mcap");
    const msgs = [5, 6, 7, 8].map((s, i) =>
      image("/front", "rgb8", rgbImage(W, H, i), 3, [s, 0], BigInt(i + 1)),
    );
    await writeMcap(file, msgs, {
      writer: {
        chunkSize: 1,
        // Level 0 keeps the pixels nearly verbatim, so one flipped byte changes the output, not the frame.
        compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data, 0) }),
      },
    });
    const { bytes, chunks } = await fileChunks(file);
    const third = chunks[2]!;
    bytes[Number(third.chunkStartOffset + third.chunkLength / 2n)]! ^= 0xff;
    await writeFile(file, bytes);

    const { frames, problems } = await collect(await openMcapSource(file, { readInWorker: false }));
    expect(frames.map((f) => f.stampNs)).toEqual([5n, 6n, 8n].map((s) => s * 1_000_000_000n));
    expect(Buffer.from(frames[2]!.data).equals(Buffer.from(rgbImage(W, H, 3)))).toBe(true);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.reason).toContain(
      `chunk at offset ${third.chunkStartOffset} (log time 3–3) is damaged (`,
    );
  });

  it("unindexed and truncated files are read with the streaming reader", async () => {
    const msgs = [0, 1, 2, 3].map((k) =>
      image("/front", "rgb8", rgbImage(W, H, k), 3, [10 + k, 0], BigInt(k + 1)),
    );
    const plain = join(dir, "unindexed.mcap");
    await writeMcap(plain, msgs, {
      writer: {
        useChunks: false,
        useStatistics: false,
        useSummaryOffsets: false,
        useMessageIndex: false,
        useChunkIndex: false,
        repeatChannels: false,
        repeatSchemas: false,
      },
    });
    const a = await collect(await openMcapSource(plain));
    expect(a.problems).toEqual([]);
    expect(a.frames.map((f) => f.stampNs)).toEqual([10n, 11n, 12n, 13n].map((s) => s * 1_000_000_000n));
    expect(Buffer.from(a.frames[3]!.data).equals(Buffer.from(rgbImage(W, H, 3)))).toBe(true);

    const cut = join(dir, "truncated.mcap");
    // Unchunked, cut in the middle of the third message.
    await writeMcap(cut, msgs, {
      writer: { useChunks: false },
      truncateTo: 8 + 100 + 2.5 * (W * H * 3 + 120),
    });
    const b = await collect(await openMcapSource(cut));
    expect(b.frames.length).toBeGreaterThanOrEqual(1);
    expect(b.frames.length).toBeLessThan(4);
    expect(b.problems.at(-1)?.code).toBe("read-failed");
  });
});

describe("mcap source (ROS 1)", () => {
  it("round-trips sensor_msgs/Image and CompressedImage with ros1 encoding", async () => {
    const f = join(dir, "ros1.mcap");
    await writeMcap(
      f,
      [
        image("/img", "rgb8", rgb, 3, [100, 7], 1n, W * 3 + 4),
        {
          topic: "/img",
          kind: "image",
          logTime: 2n,
          msg: {
            header: header(101, 8, "cam1"),
            height: H,
            width: W,
            encoding: "mono8",
            is_bigendian: 0,
            step: W,
            data: mono,
          },
        },
        {
          topic: "/img/compressed",
          kind: "compressed",
          logTime: 3n,
          msg: { header: header(102, 9), format: "png", data: png },
        },
      ],
      { ros1: true },
    );
    const a = await collect(await openMcapSource(f, { topic: "/img" }));
    expect(a.problems).toEqual([]);
    expect(a.frames.map((x) => x.stampNs)).toEqual([100_000_000_007n, 101_000_000_008n]);
    expect(Buffer.from(a.frames[0]!.data).equals(Buffer.from(rgb))).toBe(true);
    expect(Buffer.from(a.frames[1]!.data).equals(Buffer.from(mono))).toBe(true);
    expect(a.frames[1]!.meta.frameId).toBe("cam1");
    const b = await collect(await openMcapSource(f, { topic: "/img/compressed" }));
    expect(Buffer.from(b.frames[0]!.data).equals(Buffer.from(rgb))).toBe(true);
    expect(b.frames[0]!.stampNs).toBe(102_000_000_009n);
  });
});
