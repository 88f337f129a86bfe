/** Output-mask policy of the tracker: disjoint masks (MOTS), and who keeps a contested pixel. */
import { rleArea, rleBBox } from "../frames/rle.js";
import type { RleMask } from "../inference/result.js";
import { rleSubtract, spansOverlap, type SpanMask } from "./similarity.js";

/**
 * Who keeps a pixel several output masks cover:
 * - `"smaller"`: among masks scoring at least `highScore`, the one with the fewest pixels; any of
 *   them beats a mask below `highScore`; below it, the higher score. A detector's mask of a large
 *   object spills over the smaller objects beside and behind it (YOLACT's prototypes are coarse
 *   at object borders: the car behind a car, the pedestrian beside a bus), while the small
 *   object's own mask is tight; with the higher score winning, the small object lost the pixels
 *   it shares with its neighbour and often fell below the 0.5 mask IoU every metric needs.
 *   Detections below `highScore` (BYTE's low band) never carve into confident ones.
 * - `"score"`: the higher score (ties: the lower index).
 */
export type OverlapWinner = "smaller" | "score";

export interface OverlapPriority {
  readonly winner: OverlapWinner;
  /** For `"smaller"`: masks scoring at least this are ordered by size, the rest after them by score. */
  readonly highScore: number;
}

const BY_SCORE: OverlapPriority = { winner: "score", highScore: 0 };

/** Indices in the order in which masks claim pixels (first = keeps every pixel it covers). */
function claimOrder(masks: readonly RleMask[], scores: Float32Array, p: OverlapPriority): number[] {
  const idx = Array.from({ length: masks.length }, (_, i) => i);
  switch (p.winner) {
    case "score":
      return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
    case "smaller": {
      const area = masks.map(rleArea);
      const high = (i: number): boolean => scores[i]! >= p.highScore;
      return idx.sort((a, b) => {
        const ha = high(a);
        if (ha !== high(b)) return ha ? -1 : 1;
        return (ha ? area[a]! - area[b]! : scores[b]! - scores[a]!) || a - b;
      });
    }
  }
}

/**
 * Makes masks disjoint: each pixel stays with the first mask covering it in `priority`'s order
 * (default: the highest score, ties the lower index). Returns the new masks (unchanged ones
 * are the same objects) and which are kept (a mask that was non-empty and became empty is not
 * kept).
 */
export function resolveOverlaps(
  masks: readonly RleMask[],
  scores: Float32Array,
  spans?: readonly SpanMask[],
  priority: OverlapPriority = BY_SCORE,
): { masks: RleMask[]; keep: boolean[] } {
  const n = masks.length;
  const order = claimOrder(masks, scores, priority);
  const bounds = masks.map(rleBBox);
  const out = [...masks];
  const keep = masks.map(() => true);
  for (let k = 1; k < n; k++) {
    const i = order[k]!;
    const bi = bounds[i];
    if (bi === null || bi === undefined) continue;
    let m = masks[i]!;
    for (let q = 0; q < k; q++) {
      const j = order[q]!;
      const bj = bounds[j];
      if (bj === null || bj === undefined) continue;
      if (bj[0] >= bi[2] || bj[2] <= bi[0] || bj[1] >= bi[3] || bj[3] <= bi[1]) continue;
      if (spans !== undefined && !spansOverlap(spans[i]!, spans[j]!)) continue;
      m = rleSubtract(m, masks[j]!);
    }
    if (m !== masks[i]) {
      out[i] = m;
      if (m.counts.length < 2) keep[i] = false;
    }
  }
  return { masks: out, keep };
}
