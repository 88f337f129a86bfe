/**
 * Panoptic Quality as cityscapesScripts evalPanopticSemanticLabeling (COCO panopticapi
 * `pq_compute`) computes it, specs/05 §3. Pure: no I/O; frames are added one at a time.
 *
 * Segments (both read from instanceIds-encoded images, see segments.ts):
 * - GT: one segment per instanceIds value of an evaluated class; values < 1000 of a thing
 *   class are crowd; ignored / unknown labels are VOID.
 * - Prediction (`_pred_instanceIds.png`): values ≥ 1000 of an evaluated class → one segment
 *   each; evaluated stuff label ids → one segment per class; a thing label id < 1000 (thing
 *   pixels no instance claimed) and ignored label ids → prediction VOID (COCO id 0: belongs to no
 *   segment, so it is neither matched nor an FP).
 * Matching: same category, GT not crowd, IoU > 0.5 with IoU = inter / (|p| + |g| − inter − |p ∩ VOID|).
 * Unmatched prediction is an FP unless (|p ∩ VOID| + |p ∩ crowd of its category|) / |p| > 0.5.
 */
import { EVAL_LABELS } from "../frames/labels.js";
import { isEvaluatedLabel, isGroupValue, isThingLabel, isVoidValue, labelOf } from "./segments.js";

export interface PanopticClass {
  readonly id: number;
  readonly isThing: boolean;
  /** 0 when TP + FP + FN = 0 (as the reference reports it); such classes are skipped in averages. */
  readonly pq: number;
  readonly sq: number;
  readonly rq: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** Σ IoU over the TPs. */
  readonly iou: number;
}

export interface PanopticAverage {
  /** NaN when no class of the group has TP + FP + FN > 0. */
  readonly pq: number;
  readonly sq: number;
  readonly rq: number;
  /** Classes averaged. */
  readonly n: number;
}

export interface PanopticResult {
  readonly all: PanopticAverage;
  readonly things: PanopticAverage;
  readonly stuff: PanopticAverage;
  /** The 19 evaluated classes by name, trainId order. */
  readonly classes: Readonly<Record<string, PanopticClass>>;
}

interface Stat {
  tp: number;
  fp: number;
  fn: number;
  iou: number;
}

const VOID = 0;
const KEY = 65536;

/** Prediction value → segment key (the value), or VOID. */
function predKey(v: number): number {
  const label = labelOf(v);
  if (!isEvaluatedLabel(label)) return VOID;
  if (v < 1000 && isThingLabel(label)) return VOID;
  return v;
}

export class PanopticAccumulator {
  private readonly stats = new Map<number, Stat>(
    EVAL_LABELS.map((l) => [l.id, { tp: 0, fp: 0, fn: 0, iou: 0 }]),
  );
  frames = 0;

  /** Adds one frame: GT and predicted instanceIds values, same length. */
  add(gt: Uint16Array, pred: Uint16Array): void {
    if (gt.length !== pred.length) {
      throw new RangeError(`panoptic: GT has ${gt.length} pixels but prediction has ${pred.length}`);
    }
    // Joint histogram (gtKey, predKey) → pixels, run-cached (neighbouring pixels mostly share a pair).
    const joint = new Map<number, number>();
    let lastKey = -1;
    let run = 0;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      const key = (isVoidValue(g) ? VOID : g) * KEY + predKey(pred[i]!);
      if (key === lastKey) {
        run++;
        continue;
      }
      if (run > 0) joint.set(lastKey, (joint.get(lastKey) ?? 0) + run);
      lastKey = key;
      run = 1;
    }
    if (run > 0) joint.set(lastKey, (joint.get(lastKey) ?? 0) + run);
    this.scoreFrame(joint);
    this.frames++;
  }

  private scoreFrame(joint: Map<number, number>): void {
    const gtArea = new Map<number, number>();
    const predArea = new Map<number, number>();
    for (const [key, n] of joint) {
      const g = Math.floor(key / KEY);
      const p = key % KEY;
      if (g !== VOID) gtArea.set(g, (gtArea.get(g) ?? 0) + n);
      if (p !== VOID) predArea.set(p, (predArea.get(p) ?? 0) + n);
    }
    const gtMatched = new Set<number>();
    const predMatched = new Set<number>();
    for (const [key, inter] of joint) {
      const g = Math.floor(key / KEY);
      const p = key % KEY;
      if (g === VOID || p === VOID || isGroupValue(g)) continue;
      if (labelOf(g) !== labelOf(p)) continue;
      const union = predArea.get(p)! + gtArea.get(g)! - inter - (joint.get(VOID * KEY + p) ?? 0);
      const iou = inter / union;
      if (iou > 0.5) {
        const s = this.stats.get(labelOf(g))!;
        s.tp++;
        s.iou += iou;
        gtMatched.add(g);
        predMatched.add(p);
      }
    }
    const crowdByCat = new Map<number, number>();
    for (const g of gtArea.keys()) {
      if (gtMatched.has(g)) continue;
      if (isGroupValue(g)) {
        crowdByCat.set(labelOf(g), g);
        continue;
      }
      this.stats.get(labelOf(g))!.fn++;
    }
    for (const [p, area] of predArea) {
      if (predMatched.has(p)) continue;
      let ignored = joint.get(VOID * KEY + p) ?? 0;
      const crowd = crowdByCat.get(labelOf(p));
      if (crowd !== undefined) ignored += joint.get(crowd * KEY + p) ?? 0;
      if (ignored / area > 0.5) continue;
      this.stats.get(labelOf(p))!.fp++;
    }
  }

  result(): PanopticResult {
    const classes: Record<string, PanopticClass> = {};
    for (const l of EVAL_LABELS) {
      const s = this.stats.get(l.id)!;
      const denom = s.tp + 0.5 * s.fp + 0.5 * s.fn;
      const empty = s.tp + s.fp + s.fn === 0;
      classes[l.name] = {
        id: l.id,
        isThing: l.hasInstances,
        pq: empty ? 0 : s.iou / denom,
        sq: empty || s.tp === 0 ? 0 : s.iou / s.tp,
        rq: empty ? 0 : s.tp / denom,
        ...s,
      };
    }
    const list = Object.values(classes).filter((c) => c.tp + c.fp + c.fn > 0);
    return {
      all: average(list),
      things: average(list.filter((c) => c.isThing)),
      stuff: average(list.filter((c) => !c.isThing)),
      classes,
    };
  }
}

function average(list: readonly PanopticClass[]): PanopticAverage {
  const n = list.length;
  const mean = (f: (c: PanopticClass) => number): number =>
    n === 0 ? NaN : list.reduce((a, c) => a + f(c), 0) / n;
  return { pq: mean((c) => c.pq), sq: mean((c) => c.sq), rq: mean((c) => c.rq), n };
}
