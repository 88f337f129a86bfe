/**
 * Tracker cost per frame (DESIGN.md target ≤ 2 ms/frame): 50 instances at 1024×512 with
 * realistic RLE masks (ellipses of varied size, overlapping, moving at constant velocities with
 * a little jitter and occasional missed detections) over 100 frames. Figures, never a
 * pass/fail test.
 *
 * The frames come with an rgb8 image (each object painted in its own colour), so the default
 * configuration pays for appearance descriptors too.
 *
 * Each configuration runs `--repeat` times over the sequence (fresh tracker each time) after a
 * warm-up; percentiles are over all frames of all passes, "best pass" is the lowest mean (the
 * least disturbed by other load on the machine).
 *
 *   node --import tsx bench/tracking.ts [--instances N] [--frames N] [--width W] [--height H] [--repeat N]
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { RleBuilder } from "../src/frames/rle.js";
import { makeResult, type RleMask, type SegmentationResult } from "../src/inference/result.js";
import { ByteTracker, type ImageView, type TrackerOptionsInit } from "../src/tracking/index.js";
import { Rng } from "../src/synth/rng.js";
import { runWithProductFlags } from "./node-flags.js";

runWithProductFlags();

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "50" },
    frames: { type: "string", default: "100" },
    width: { type: "string", default: "1024" },
    height: { type: "string", default: "512" },
    repeat: { type: "string", default: "5" },
  },
});
const N = Number(values.instances);
const F = Number(values.frames);
const W = Number(values.width);
const H = Number(values.height);
const REPEAT = Number(values.repeat);

/** Seeded PRNG (the project's mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** An ellipse as RLE, built row by row (no frame-size pixel buffer). */
function ellipseRle(cx: number, cy: number, rx: number, ry: number): { mask: RleMask; box: number[] } {
  const b = new RleBuilder();
  let x1 = W;
  let y1 = H;
  let x2 = 0;
  let y2 = 0;
  for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(H, Math.ceil(cy + ry)); y++) {
    const v = (y + 0.5 - cy) / ry;
    if (v * v > 1) continue;
    const half = rx * Math.sqrt(1 - v * v);
    const a = Math.max(0, Math.round(cx - half));
    const e = Math.min(W, Math.round(cx + half));
    if (e <= a) continue;
    b.push(0, y * W + a - b.length);
    b.push(1, e - a);
    x1 = Math.min(x1, a);
    x2 = Math.max(x2, e);
    y1 = Math.min(y1, y);
    y2 = Math.max(y2, y + 1);
  }
  return { mask: b.finish(W, H), box: [x1, y1, x2, y2] };
}

/** Paints a mask's runs into an rgb8 image in one colour. */
function paintRle(img: Uint8Array, m: RleMask, rgb: readonly [number, number, number]): void {
  let pos = 0;
  m.counts.forEach((n, i) => {
    if (i & 1) for (let p = pos; p < pos + n; p++) img.set(rgb, 3 * p);
    pos += n;
  });
}

interface BenchFrame {
  readonly result: SegmentationResult;
  /** The frame's pixels: every object painted in its own colour (for appearance). */
  readonly image: ImageView;
}

function makeFrames(): BenchFrame[] {
  const rand = prng(2024);
  const objs = Array.from({ length: N }, () => ({
    x: rand() * W,
    y: H * 0.3 + rand() * H * 0.6,
    vx: (rand() - 0.5) * 12,
    vy: (rand() - 0.5) * 3,
    rx: 8 + rand() * 50,
    ry: 10 + rand() * 70,
    cls: [24, 25, 26, 26, 26, 33][Math.floor(rand() * 6)]!,
    score: 0.55 + rand() * 0.45,
    rgb: [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)] as const,
  }));
  const frames: BenchFrame[] = [];
  for (let f = 0; f < F; f++) {
    const boxes: number[] = [];
    const masks: RleMask[] = [];
    const scores: number[] = [];
    const classIds: number[] = [];
    const data = new Uint8Array(W * H * 3).fill(100);
    for (const o of objs) {
      const cx = (((o.x + o.vx * f) % W) + W) % W;
      const cy = Math.min(H - 5, Math.max(5, o.y + o.vy * f));
      if (rand() < 0.03) continue; // missed detection
      const e = ellipseRle(cx + (rand() - 0.5) * 2, cy + (rand() - 0.5) * 2, o.rx, o.ry);
      if (e.box[2]! <= e.box[0]!) continue;
      boxes.push(...e.box);
      masks.push(e.mask);
      paintRle(data, e.mask, o.rgb);
      scores.push(rand() < 0.1 ? 0.2 + rand() * 0.25 : o.score);
      classIds.push(o.cls);
    }
    frames.push({
      result: makeResult({
        frameId: f,
        sourceId: "bench",
        stampNs: BigInt(f) * 33_333_333n,
        width: W,
        height: H,
        instances: {
          boxes: Float32Array.from(boxes),
          scores: Float32Array.from(scores),
          classIds: Uint8Array.from(classIds),
          masks,
        },
      }),
      image: { width: W, height: H, encoding: "rgb8", data },
    });
  }
  return frames;
}

function measure(
  frames: BenchFrame[],
  opts: TrackerOptionsInit,
  withImage: boolean,
): { ms: number[]; tracks: number } {
  const t = new ByteTracker(opts);
  const ms: number[] = [];
  let last = 0;
  for (const fr of frames) {
    const t0 = performance.now();
    const out = t.update(fr.result, withImage ? fr.image : undefined);
    ms.push(performance.now() - t0);
    last = out.instances?.count ?? 0;
  }
  return { ms, tracks: last };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const frames = makeFrames();
const runs = frames.map((f) => f.result.instances!.masks.reduce((s, m) => s + m.counts.length, 0));
console.log(
  `tracker bench: ${N} instances, ${W}x${H}, ${F} frames; RLE runs per frame (all masks) ≈ ${Math.round(
    runs.reduce((a, b) => a + b, 0) / runs.length,
  )}`,
);
for (const [name, opts, withImage] of [
  ["defaults, with the frame (appearance)", {}, true],
  ["mask-aware (maskIouWeight 0.5), no frame", {}, false],
  ["box only   (maskIouWeight 0), no frame ", { maskIouWeight: 0 }, false],
  ["no overlap resolution, no frame        ", { resolveOverlaps: false }, false],
] as [string, TrackerOptionsInit, boolean][]) {
  measure(frames, opts, withImage); // warm-up
  const all: number[] = [];
  let best = Infinity;
  let tracks = 0;
  for (let r = 0; r < REPEAT; r++) {
    const m = measure(frames, opts, withImage);
    all.push(...m.ms);
    best = Math.min(best, m.ms.reduce((a, b) => a + b, 0) / m.ms.length);
    tracks = m.tracks;
  }
  const s = [...all].sort((a, b) => a - b);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  console.log(
    `${name}  mean ${mean.toFixed(3)} (best pass ${best.toFixed(3)}) ms  p50 ${pct(s, 50).toFixed(3)}  p95 ${pct(s, 95).toFixed(3)}  max ${s[s.length - 1]!.toFixed(3)} ms/frame  (${tracks} instances out in the last frame; target ≤ 2 ms)`,
  );
}
