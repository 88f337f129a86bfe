/**
 * Per-frame segment extraction shared by the panoptic, instance and tracking tasks. Pure: no I/O.
 *
 * GT comes from the Cityscapes instanceIds image (value v: v ≥ 1000 → label v/1000, instance
 * v%1000; v < 1000 → label v). Every task reads GT from it alone, as the reference tools do:
 * - VOID: pixels whose label is ignoreInEval (or not a Cityscapes id);
 * - group / crowd: values < 1000 of an evaluated thing class;
 * - ignore region (instance AP, tracking): VOID ∪ groups.
 */
import { LABELS, THING_LABELS, labelById } from "../frames/labels.js";
import type { RleMask } from "../frames/rle.js";

/** label id → 1 when evaluated (not ignoreInEval). */
const EVALUATED = new Uint8Array(256);
/** label id → 1 for the 8 evaluated thing classes. */
const THING = new Uint8Array(256);
for (const l of LABELS) if (l.id >= 0 && !l.ignoreInEval) EVALUATED[l.id] = 1;
for (const l of THING_LABELS) THING[l.id] = 1;

/** Label id of an instanceIds value. */
export function labelOf(v: number): number {
  return v >= 1000 ? Math.floor(v / 1000) : v;
}

export function isEvaluatedLabel(labelId: number): boolean {
  return labelId >= 0 && labelId < 256 && EVALUATED[labelId] === 1;
}

export function isThingLabel(labelId: number): boolean {
  return labelId >= 0 && labelId < 256 && THING[labelId] === 1;
}

/** GT value on VOID (label ignored in evaluation or unknown). */
export function isVoidValue(v: number): boolean {
  return !isEvaluatedLabel(labelOf(v));
}

/** GT group (crowd) region: a value < 1000 of an evaluated thing class. */
export function isGroupValue(v: number): boolean {
  return v < 1000 && isThingLabel(v);
}

/** A GT instance of an evaluated thing class (value ≥ 1000). */
export function isInstanceValue(v: number): boolean {
  return v >= 1000 && isThingLabel(Math.floor(v / 1000));
}

/** Pixel count per distinct value. */
export function histogram(values: Uint16Array): Map<number, number> {
  const counts = new Uint32Array(65536);
  const seen: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (counts[v] === 0) seen.push(v);
    counts[v]!++;
  }
  seen.sort((a, b) => a - b);
  return new Map(seen.map((v) => [v, counts[v]!]));
}

export interface MaskOverlap {
  /** Foreground pixels of the mask. */
  readonly area: number;
  /** GT value → pixels of the mask on it. */
  readonly byGt: Map<number, number>;
}

/** Foreground area of a row-major RLE mask and its overlap with each GT value (walks the runs). */
export function maskOverlaps(mask: RleMask, gt: Uint16Array): MaskOverlap {
  const byGt = new Map<number, number>();
  let pos = 0;
  let area = 0;
  const c = mask.counts;
  for (let r = 0; r < c.length; r++) {
    const n = c[r]!;
    if (r & 1) {
      area += n;
      for (let i = pos; i < pos + n; i++) {
        const v = gt[i]!;
        byGt.set(v, (byGt.get(v) ?? 0) + 1);
      }
    }
    pos += n;
  }
  return { area, byGt };
}

/**
 * Makes masks non-overlapping as MOTS requires: each pixel goes to the highest-scoring mask
 * covering it (equal scores: the earlier instance), the order `segstream run` paints
 * `_pred_instanceIds.png` in. Returns per pixel the owning instance index, −1 for none.
 */
export function resolveOverlaps(
  masks: readonly { readonly score: number; readonly mask: RleMask }[],
  size: number,
): Int32Array {
  const owner = new Int32Array(size).fill(-1);
  const order = masks.map((_, i) => i).sort((a, b) => masks[a]!.score - masks[b]!.score || b - a);
  for (const i of order) {
    const c = masks[i]!.mask.counts;
    let pos = 0;
    for (let r = 0; r < c.length; r++) {
      const n = c[r]!;
      if (r & 1) owner.fill(i, pos, pos + n);
      pos += n;
    }
  }
  return owner;
}

/** Name of a label id (or `id N`). */
export function labelName(labelId: number): string {
  return labelById(labelId)?.name ?? `id ${labelId}`;
}
