/** Synthetic detections for tracker tests: pixel masks → boxes (mask bounds) + RLE. */
import { encodeRle, rleBBox } from "../../../src/frames/rle.js";
import { makeResult, type SegmentationResult } from "../../../src/inference/result.js";

export const CAR = 26;
export const PERSON = 24;

export interface Det {
  readonly cls: number;
  readonly score: number;
  readonly mask: Uint8Array;
  /** Free-form label the test uses to identify the detection in the output. */
  readonly tag?: string;
}

export function ellipse(w: number, h: number, cx: number, cy: number, rx: number, ry: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(h - 1, Math.ceil(cy + ry)); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(w - 1, Math.ceil(cx + rx)); x++) {
      const u = (x + 0.5 - cx) / rx;
      const v = (y + 0.5 - cy) / ry;
      if (u * u + v * v <= 1) m[y * w + x] = 1;
    }
  }
  return m;
}

export function minus(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => (v && !b[i] ? 1 : 0));
}

export function area(m: Uint8Array): number {
  let s = 0;
  for (const v of m) s += v;
  return s;
}

export interface FrameInfo {
  readonly w: number;
  readonly h: number;
  readonly index: number;
  readonly fps?: number;
  readonly sourceId?: string;
}

/** A result with the given detections (empty masks get a zero box). */
export function frame(dets: readonly Det[], f: FrameInfo): SegmentationResult {
  const n = dets.length;
  const boxes = new Float32Array(4 * n);
  const masks = dets.map((d, i) => {
    const rle = encodeRle(d.mask, f.w, f.h);
    const b = rleBBox(rle);
    if (b) boxes.set(b, 4 * i);
    return rle;
  });
  return makeResult({
    frameId: f.index,
    sourceId: f.sourceId ?? "cam",
    stampNs: BigInt(Math.round((f.index * 1e9) / (f.fps ?? 30))),
    width: f.w,
    height: f.h,
    instances: {
      boxes,
      scores: Float32Array.from(dets, (d) => d.score),
      classIds: Uint8Array.from(dets, (d) => d.cls),
      masks,
    },
  });
}

/** Output track id per input tag (by box equality with the input boxes), or undefined if not output. */
export function idsByTag(
  input: SegmentationResult,
  tags: readonly (string | undefined)[],
  output: SegmentationResult,
): Map<string, number> {
  const out = new Map<string, number>();
  const a = input.instances!;
  const b = output.instances!;
  for (let k = 0; k < b.count; k++) {
    for (let i = 0; i < a.count; i++) {
      let same = a.classIds[i] === b.classIds[k] && a.scores[i] === b.scores[k];
      for (let q = 0; q < 4 && same; q++) same = a.boxes[4 * i + q] === b.boxes[4 * k + q];
      const tag = tags[i];
      if (same && tag !== undefined) out.set(tag, b.trackIds![k]!);
    }
  }
  return out;
}

/**
 * Runs `dets(i)` through `tracker` for `n` frames (stamps at `fps`); returns per frame the
 * tag → track id map and the outputs.
 */
export function runScene(
  tracker: { update(r: SegmentationResult): SegmentationResult },
  n: number,
  dets: (i: number) => Det[],
  f: { w: number; h: number; fps?: number },
): { ids: Map<string, number>[]; outputs: SegmentationResult[] } {
  const ids: Map<string, number>[] = [];
  const outputs: SegmentationResult[] = [];
  for (let i = 0; i < n; i++) {
    const d = dets(i);
    const input = frame(d, { ...f, index: i });
    const out = tracker.update(input);
    outputs.push(out);
    ids.push(
      idsByTag(
        input,
        d.map((x) => x.tag),
        out,
      ),
    );
  }
  return { ids, outputs };
}
