/**
 * Panoptic fusion's agreement rule (pure): when a semantic and an instance model run on the same
 * frame, each instance is checked against the semantic map under its mask. The agreement of an
 * instance is the fraction of its mask's pixels whose semantic label is in the instance's own
 * Cityscapes category (a person mask on pixels labelled rider agrees; on building it does not).
 *
 * - agreement < `minAgreement`: the instance is dropped — two models disagree on what is there,
 *   and the semantic model, which sees every pixel at full resolution, is the more reliable of
 *   the two (measured in models/README.md: most of such detections are false positives on
 *   buildings, vegetation and poles, or one object's mask spilled onto its neighbour);
 * - otherwise its mask is cut to the agreeing pixels (a car's mask loses the pedestrian in front
 *   of it); its box, score and class stay the instance model's.
 *
 * `minAgreement` 0 returns the instances unchanged. `semanticLabelIds`, when given, are the label ids the
 * semantic model can output (its manifest's labels): an instance of a category none of them belongs to is kept
 * as it is — a semantic model that never labels people cannot disagree with a person.
 */
import { RleBuilder, type RleMask } from "../frames/rle.js";
import { LABELS } from "../frames/labels.js";
import type { Instances, SemanticMap } from "../inference/result.js";

/** Cityscapes category id per label id 0…255 (−1: not a Cityscapes id). */
const CATEGORY = (() => {
  const c = new Int16Array(256).fill(-1);
  for (const l of LABELS) if (l.id >= 0) c[l.id] = l.categoryId;
  return c;
})();

/** The categories of a model's label ids, built once per label list (the per-frame path reuses it). */
const categoriesByLabels = new WeakMap<readonly number[], ReadonlySet<number>>();
function categoriesOf(labelIds: readonly number[]): ReadonlySet<number> {
  let set = categoriesByLabels.get(labelIds);
  if (set === undefined) {
    set = new Set(labelIds.map((id) => CATEGORY[id] ?? -1));
    categoriesByLabels.set(labelIds, set);
  }
  return set;
}

/**
 * What `agreeWithSemantic` made of each mask it checked: the kept (possibly cut) mask, or null
 * when the instance was dropped. Shared between calls on one frame's instances and detections —
 * the instance model's instances are a prefix of its detections, the same mask objects — so each
 * mask is checked once (masks are immutable; one cache per frame and semantic map).
 */
export type AgreementMemo = Map<RleMask, RleMask | null>;

export function agreeWithSemantic(
  inst: Instances,
  sem: SemanticMap,
  minAgreement: number,
  semanticLabelIds?: readonly number[],
  memo?: AgreementMemo,
): Instances {
  if (!(minAgreement >= 0 && minAgreement <= 1)) {
    throw new RangeError(`minAgreement must be in [0, 1], got ${minAgreement}`);
  }
  if (minAgreement === 0 || inst.count === 0) return inst;
  const checked = semanticLabelIds === undefined ? null : categoriesOf(semanticLabelIds);
  const labels = sem.classIds;
  const builder = new RleBuilder();
  const keep: number[] = [];
  const masks: RleMask[] = [];
  for (let i = 0; i < inst.count; i++) {
    const m = inst.masks[i]!;
    if (m.width !== sem.width || m.height !== sem.height) {
      throw new RangeError(
        `instance ${i} mask is ${m.width}x${m.height}, the semantic map ${sem.width}x${sem.height}`,
      );
    }
    const category = CATEGORY[inst.classIds[i]!]!;
    // Not a Cityscapes class, or one the semantic model cannot label: nothing to check it against.
    if (category < 0 || (checked !== null && !checked.has(category))) {
      keep.push(i);
      masks.push(m);
      continue;
    }
    const known = memo?.get(m);
    if (known !== undefined) {
      if (known !== null) {
        keep.push(i);
        masks.push(known);
      }
      continue;
    }
    builder.reset();
    let area = 0;
    let agree = 0;
    let pos = 0;
    const counts = m.counts;
    for (let k = 0; k < counts.length; k++) {
      const n = counts[k]!;
      if ((k & 1) === 0) {
        builder.push(0, n);
      } else {
        area += n;
        // Split the foreground run into spans that agree (1) and spans that do not (0).
        let start = pos;
        let value: 0 | 1 = CATEGORY[labels[pos]!] === category ? 1 : 0;
        for (let p = pos + 1; p < pos + n; p++) {
          const v: 0 | 1 = CATEGORY[labels[p]!] === category ? 1 : 0;
          if (v !== value) {
            builder.push(value, p - start);
            if (value === 1) agree += p - start;
            start = p;
            value = v;
          }
        }
        builder.push(value, pos + n - start);
        if (value === 1) agree += pos + n - start;
      }
      pos += n;
    }
    if (area === 0 || agree < minAgreement * area) {
      memo?.set(m, null);
      continue;
    }
    const kept = agree === area ? m : builder.finish(m.width, m.height);
    memo?.set(m, kept);
    keep.push(i);
    masks.push(kept);
  }
  const pick = <T extends Float32Array | Uint8Array | Int32Array>(
    a: T,
    stride: number,
    make: (n: number) => T,
  ): T => {
    const out = make(keep.length * stride);
    keep.forEach((i, k) => out.set(a.subarray(i * stride, (i + 1) * stride), k * stride));
    return out;
  };
  return {
    count: keep.length,
    boxes: pick(inst.boxes, 4, (n) => new Float32Array(n)),
    scores: pick(inst.scores, 1, (n) => new Float32Array(n)),
    classIds: pick(inst.classIds, 1, (n) => new Uint8Array(n)),
    masks,
    ...(inst.trackIds !== undefined ? { trackIds: pick(inst.trackIds, 1, (n) => new Int32Array(n)) } : {}),
  };
}
