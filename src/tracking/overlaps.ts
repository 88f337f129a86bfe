/** Output-mask policy of the tracker: disjoint masks (MOTS), higher score wins. */
import { rleBBox } from "../frames/rle.js";
import type { RleMask } from "../inference/result.js";
import { rleSubtract, spansOverlap, type SpanMask } from "./similarity.js";

/**
 * Makes masks disjoint: each pixel stays with the highest-scoring mask covering it (ties: the
 * lower index). Returns the new masks (unchanged ones are the same objects) and which are kept
 * (a mask that was non-empty and became empty is not kept).
 */
export function resolveOverlaps(
  masks: readonly RleMask[],
  scores: Float32Array,
  spans?: readonly SpanMask[],
): { masks: RleMask[]; keep: boolean[] } {
  const n = masks.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
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
