/**
 * Detections from exact synthetic GT, degraded by a seeded, test-controlled amount: the stand-in
 * for a detector when proving the tracker end to end (degraded-gt.test.ts).
 *
 * Per GT thing instance (instanceIds value ≥ 1000 with ≥ `minPixels` pixels): class =
 * value / 1000, mask = the exact GT mask, box = the mask's bounds, score ≈ `baseScore`. Then:
 * - dropped with probability `dropProb` (a missed detection);
 * - the mask shifted by an integer offset in [−s, s]², s = min(maxShift, ⌊smaller side /
 *   shiftSidePx⌋), and, with probability `morphProb` when the smaller side ≥ `morphMinSide`,
 *   eroded or dilated by one pixel (4-neighbourhood); the box jittered by up to `boxJitter` px
 *   per side on top of the degraded mask's bounds. (Size-relative: a 1 px shift plus a 1 px
 *   erosion of a 4 px wide pedestrian is already below the 0.5 mask IoU every metric needs.)
 * - with probability `lowScoreProb` the score lowered into the BYTE low band [lowBand[0], lowBand[1]),
 *   else `baseScore` ± `scoreNoise`.
 */
import { RleBuilder } from "../../../src/frames/rle.js";
import type { InstancesInit, RleMask } from "../../../src/inference/result.js";
import { Rng } from "../../../src/synth/rng.js";

export interface Degradation {
  readonly minPixels: number;
  readonly dropProb: number;
  readonly maxShift: number;
  /** The shift is at most floor(smaller box side / shiftSidePx) px (so small objects move less). */
  readonly shiftSidePx: number;
  readonly morphProb: number;
  /** Erode/dilate only objects whose smaller box side is at least this many px. */
  readonly morphMinSide: number;
  readonly boxJitter: number;
  readonly baseScore: number;
  readonly scoreNoise: number;
  readonly lowScoreProb: number;
  readonly lowBand: readonly [number, number];
}

export interface DetectionStats {
  gtInstances: number;
  tooSmall: number;
  dropped: number;
  lowScore: number;
  emptied: number;
  emitted: number;
}

export function emptyStats(): DetectionStats {
  return { gtInstances: 0, tooSmall: 0, dropped: 0, lowScore: 0, emptied: 0, emitted: 0 };
}

interface Blob {
  value: number;
  area: number;
  x1: number;
  y1: number;
  x2: number; // inclusive
  y2: number;
}

/** Thing instances of one frame with their pixel bounds. */
function blobs(ids: Uint16Array, width: number): Blob[] {
  const map = new Map<number, Blob>();
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < 1000) continue;
    const x = i % width;
    const y = (i - x) / width;
    let b = map.get(v);
    if (b === undefined) {
      b = { value: v, area: 0, x1: x, y1: y, x2: x, y2: y };
      map.set(v, b);
    }
    b.area++;
    if (x < b.x1) b.x1 = x;
    if (x > b.x2) b.x2 = x;
    if (y < b.y1) b.y1 = y;
    if (y > b.y2) b.y2 = y;
  }
  return [...map.values()].sort((a, b) => a.value - b.value);
}

/** One-pixel erosion (grow = false) or dilation (grow = true), 4-neighbourhood, on a crop. */
function morph(src: Uint8Array, cw: number, ch: number, grow: boolean): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const i = y * cw + x;
      const n = [
        x > 0 ? src[i - 1]! : 0,
        x < cw - 1 ? src[i + 1]! : 0,
        y > 0 ? src[i - cw]! : 0,
        y < ch - 1 ? src[i + cw]! : 0,
      ];
      if (grow) out[i] = src[i]! || n.some((v) => v !== 0) ? 1 : 0;
      else out[i] = src[i]! && n.every((v) => v !== 0) ? 1 : 0;
    }
  }
  return out;
}

/**
 * Degraded detections for one frame, with the GT instanceIds value each one came from. `rng` is advanced a fixed number of times per GT
 * instance (independent of the outcome) so changing one parameter does not reshuffle the rest.
 */
export function degradedDetections(
  ids: Uint16Array,
  width: number,
  height: number,
  d: Degradation,
  rng: Rng,
  stats: DetectionStats = emptyStats(),
): { instances: InstancesInit; gtValues: Uint16Array } {
  const boxes: number[] = [];
  const scores: number[] = [];
  const classIds: number[] = [];
  const masks: RleMask[] = [];
  const gtValues: number[] = [];
  const pad = d.maxShift + 1;
  for (const b of blobs(ids, width)) {
    stats.gtInstances++;
    // Fixed draws per instance.
    const uDrop = rng.next();
    const side = Math.min(b.x2 - b.x1 + 1, b.y2 - b.y1 + 1);
    const limit = Math.min(d.maxShift, Math.floor(side / d.shiftSidePx));
    const dx = Math.max(-limit, Math.min(limit, rng.int(-d.maxShift, d.maxShift)));
    const dy = Math.max(-limit, Math.min(limit, rng.int(-d.maxShift, d.maxShift)));
    const uMorph = rng.next();
    const grow = rng.next() < 0.5;
    const uLow = rng.next();
    const lowScore = rng.range(d.lowBand[0], d.lowBand[1]);
    const highScore = d.baseScore + rng.range(-d.scoreNoise, d.scoreNoise);
    const jitter = [0, 0, 0, 0].map(() => rng.range(-d.boxJitter, d.boxJitter));
    if (b.area < d.minPixels) {
      stats.tooSmall++;
      continue;
    }
    if (uDrop < d.dropProb) {
      stats.dropped++;
      continue;
    }
    // Crop with a margin for the shift and the dilation.
    const cx0 = b.x1 - pad;
    const cy0 = b.y1 - pad;
    const cw = b.x2 - b.x1 + 1 + 2 * pad;
    const ch = b.y2 - b.y1 + 1 + 2 * pad;
    let crop: Uint8Array = new Uint8Array(cw * ch);
    for (let y = b.y1; y <= b.y2; y++) {
      for (let x = b.x1; x <= b.x2; x++) {
        if (ids[y * width + x] !== b.value) continue;
        crop[(y - cy0 + dy) * cw + (x - cx0 + dx)] = 1;
      }
    }
    if (uMorph < d.morphProb && side >= d.morphMinSide) crop = morph(crop, cw, ch, grow);
    // Clip to the frame, encode row by row, take bounds.
    const rle = new RleBuilder();
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    let area = 0;
    for (let y = 0; y < height; y++) {
      const cy = y - cy0;
      if (cy < 0 || cy >= ch) {
        rle.push(0, width);
        continue;
      }
      for (let x = 0; x < width; x++) {
        const cx = x - cx0;
        const on = cx >= 0 && cx < cw && crop[cy * cw + cx] === 1;
        rle.push(on ? 1 : 0, 1);
        if (on) {
          area++;
          if (x < x1) x1 = x;
          if (x + 1 > x2) x2 = x + 1;
          if (y < y1) y1 = y;
          if (y + 1 > y2) y2 = y + 1;
        }
      }
    }
    if (area === 0) {
      stats.emptied++;
      continue;
    }
    const low = uLow < d.lowScoreProb;
    if (low) stats.lowScore++;
    const clamp = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
    boxes.push(
      clamp(x1 + jitter[0]!, width),
      clamp(y1 + jitter[1]!, height),
      clamp(x2 + jitter[2]!, width),
      clamp(y2 + jitter[3]!, height),
    );
    scores.push(Math.min(1, Math.max(0, low ? lowScore : highScore)));
    classIds.push(Math.floor(b.value / 1000));
    masks.push(rle.finish(width, height));
    gtValues.push(b.value);
    stats.emitted++;
  }
  const instances: InstancesInit = {
    boxes: Float32Array.from(boxes),
    scores: Float32Array.from(scores),
    classIds: Uint8Array.from(classIds),
    masks,
  };
  return { instances, gtValues: Uint16Array.from(gtValues) };
}
