import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/frames/problem.js";
import { openVideoSource } from "../../../src/sources/video.js";
import { childProcesses, collect, encodeVideo, patternFrame, psnr } from "./helpers.js";

const W = 160;
const H = 96;
const FPS = 10;
const N = 20;

let dir: string;
let originals: Uint8Array[];
let mp4: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "segstream-video-"));
  originals = Array.from({ length: N }, (_, k) => patternFrame(k, W, H));
  mp4 = join(dir, "clip.mp4");
  await encodeVideo(originals, W, H, FPS, mp4, ["-c:v", "libx264", "-pix_fmt", "yuv444p", "-qp", "0"]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bestMatch(data: Uint8Array): { index: number; db: number } {
  let index = -1;
  let db = -Infinity;
  originals.forEach((o, k) => {
    const p = psnr(o, data);
    if (p > db) {
      db = p;
      index = k;
    }
  });
  return { index, db };
}

describe("video source (real ffmpeg)", () => {
  it("replays every frame in order with PSNR >= 30 dB and PTS stamps 1/fps apart", async () => {
    const src = await openVideoSource(mp4);
    expect(src.kind).toBe("replay");
    expect(src.frameCount).toBe(N);
    expect(src.fps).toBe(FPS);
    const { frames, problems } = await collect(src);
    expect(problems).toEqual([]);
    expect(frames).toHaveLength(N);
    frames.forEach((f, k) => {
      expect(f.id).toBe(k);
      expect([f.width, f.height, f.encoding]).toEqual([W, H, "rgb8"]);
      const m = bestMatch(f.data);
      expect(m.index).toBe(k);
      expect(m.db).toBeGreaterThanOrEqual(30);
      expect(f.stampNs).toBe(BigInt(k) * 100_000_000n);
    });
  });

  it("yuv420p crf 12 (typical camera footage): order kept, quality bounded by 4:2:0 chroma", async () => {
    const lossy = join(dir, "lossy.mp4");
    await encodeVideo(originals, W, H, FPS, lossy, ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "12"]);
    const { frames } = await collect(await openVideoSource(lossy));
    expect(frames.map((f) => bestMatch(f.data).index)).toEqual(originals.map((_, k) => k));
    // The hard-edged yellow block loses chroma resolution in 4:2:0: ~29 dB here, so 25 dB is the bound.
    for (const f of frames) expect(bestMatch(f.data).db).toBeGreaterThanOrEqual(25);
  });

  it("is pull-based: ffmpeg waits while the consumer does not ask, and close() leaves no process", async () => {
    // 200 frames ≈ 9 MB of rgb24: far more than the pipe buffer.
    const many = join(dir, "many.mp4");
    const frames = Array.from({ length: 200 }, (_, k) => patternFrame(k, W, H));
    await encodeVideo(frames, W, H, 50, many, [
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
    ]);
    const src = await openVideoSource(many);
    const it = src.events()[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 800));
    const running = childProcesses("ffmpeg");
    expect(running.length).toBe(1); // still blocked on its full pipe, not finished
    await src.close();
    await it.return?.();
    expect(childProcesses("ffmpeg")).toEqual([]);
  });

  it("missing ffmpeg binary → InputError with an install hint", async () => {
    const err = await openVideoSource(mp4, { ffmpegPath: join(dir, "no-such-ffmpeg") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain("no-such-ffmpeg");
    expect((err as InputError).hint).toMatch(/apt-get install ffmpeg/);
  });

  it("missing file → InputError naming it", async () => {
    const p = join(dir, "nope.mp4");
    const err = await openVideoSource(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(p);
  });

  it("a file of random bytes → InputError naming it", async () => {
    const p = join(dir, "random.mp4");
    const bytes = new Uint8Array(50_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    await writeFile(p, bytes);
    const err = await openVideoSource(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(p);
  });

  it("corrupt data mid-stream → decode-failed problems, replay goes on to the end", async () => {
    // MJPEG: each frame is a JPEG, so damaging one frame's entropy data makes the decoder log errors.
    const avi = join(dir, "clip.avi");
    await encodeVideo(originals, W, H, FPS, avi, ["-c:v", "mjpeg", "-q:v", "2"]);
    const bytes = new Uint8Array(await readFile(avi));
    let soi = 0;
    let pos = -1;
    for (let i = 0; i < bytes.length - 1 && pos < 0; i++) {
      if (bytes[i] === 0xff && bytes[i + 1] === 0xd8 && ++soi === 10) pos = i;
    }
    let s = 7;
    for (let i = pos + 700; i < pos + 1400; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      bytes[i] = s >>> 24;
    }
    const bad = join(dir, "corrupt-mid.avi");
    await writeFile(bad, bytes);
    const { frames, problems } = await collect(await openVideoSource(bad));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.code).toBe("decode-failed");
    expect(problems[0]!.input).toBe(`video:${bad}`);
    expect(problems[0]!.reason).toMatch(/mjpeg/);
    // frames after the damage are still delivered, in order
    expect(frames).toHaveLength(N);
    expect(bestMatch(frames.at(-1)!.data).index).toBe(N - 1);
  });
});
