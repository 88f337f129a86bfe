/**
 * Cityscapes pixel-level semantic scores (cityscapesScripts evalPixelLevelSemanticLabeling,
 * specs/05 §1): per-class IoU and iIoU over the 19 evaluated classes, category IoU/iIoU and
 * their averages. Pure: no I/O. Frames are added one at a time (bounded memory).
 */
import { EVAL_LABELS, LABELS, MAX_LABEL_ID, labelById } from "../frames/labels.js";
import { ConfusionMatrix } from "./confusion.js";
import { INSTANCE_CATEGORIES, InstanceStats, type InstanceTally } from "./instance-stats.js";

export interface ClassScore {
  readonly id: number;
  /** NaN when the class never occurs in GT nor (on non-void GT) in the prediction. */
  readonly iou: number;
  /** Instance-weighted IoU; NaN for stuff classes and when undefined. */
  readonly iiou: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export interface CategoryScore {
  readonly iou: number;
  readonly iiou: number;
}

/** Scores; NaN marks "not defined" (serialised as null in JSON). */
export interface SemanticResult {
  /** Mean IoU over classes with a defined IoU ("Score Average" of classes). */
  readonly mIoU: number;
  /** Mean iIoU over thing classes with a defined iIoU. */
  readonly iIoU: number;
  /** Mean category IoU over categories with a defined IoU. */
  readonly categoryIoU: number;
  /** Mean category iIoU (human, vehicle). */
  readonly categoryIIoU: number;
  /** The 19 evaluated classes by name, in trainId order. */
  readonly classes: Readonly<Record<string, ClassScore>>;
  /** The 7 evaluated categories by name (void omitted; it is never scored). */
  readonly categories: Readonly<Record<string, CategoryScore>>;
  /** Pixels evaluated (all GT pixels, void included). */
  readonly pixels: number;
  /** GT instances counted for iIoU. */
  readonly instances: number;
}

const NOT_IGNORED_IDS: readonly number[] = LABELS.filter((l) => l.id >= 0 && !l.ignoreInEval).map(
  (l) => l.id,
);

/** Category names in label-table order, with their evaluated label ids. */
const CATEGORIES: readonly (readonly [string, readonly number[]])[] = (() => {
  const m = new Map<string, number[]>();
  for (const l of LABELS) {
    if (!m.has(l.category)) m.set(l.category, []);
    if (l.id >= 0 && !l.ignoreInEval) m.get(l.category)?.push(l.id);
  }
  return [...m.entries()];
})();

function ratio(num: number, denom: number): number {
  return denom === 0 ? NaN : num / denom;
}

/** Mean of the non-NaN values; NaN if there are none. */
export function nanMean(values: readonly number[]): number {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** FP for a set of predicted ids: their columns over non-ignored GT rows not in `exclude`. */
function falsePositives(
  c: ConfusionMatrix,
  cols: readonly number[],
  exclude: (id: number) => boolean,
): number {
  return c.blockSum(
    NOT_IGNORED_IDS.filter((id) => !exclude(id)),
    cols,
  );
}

function weightedIoU(t: InstanceTally | undefined, fp: number): number {
  return t === undefined ? NaN : ratio(t.tpWeighted, t.tpWeighted + fp + t.fnWeighted);
}

/** Computes all scores from an accumulated confusion matrix and instance statistics. */
export function semanticScores(c: ConfusionMatrix, inst: InstanceStats): SemanticResult {
  const classes: Record<string, ClassScore> = {};
  for (const l of EVAL_LABELS) {
    const tp = c.at(l.id, l.id);
    const fn = c.rowSum(l.id) - tp;
    const fp = falsePositives(c, [l.id], (id) => id === l.id);
    classes[l.name] = {
      id: l.id,
      iou: ratio(tp, tp + fp + fn),
      iiou: weightedIoU(inst.classes.get(l.name), fp),
      tp,
      fp,
      fn,
    };
  }
  const categories: Record<string, CategoryScore> = {};
  for (const [name, ids] of CATEGORIES) {
    if (ids.length === 0) continue; // void: every label ignored, never printed by the reference
    const inCat = (id: number): boolean => labelById(id)?.category === name;
    const tp = c.blockSum(ids, ids);
    let rows = 0;
    for (const id of ids) rows += c.rowSum(id);
    const fn = rows - tp;
    const fp = falsePositives(c, ids, inCat);
    // For iIoU the reference takes FP over the columns of *all* the category's labels
    // (vehicle: caravan and trailer too), from the instance-category label list.
    const instIds = INSTANCE_CATEGORIES.get(name);
    const iiou =
      instIds === undefined ? NaN : weightedIoU(inst.categories.get(name), falsePositives(c, instIds, inCat));
    categories[name] = { iou: ratio(tp, tp + fp + fn), iiou };
  }
  const classList = Object.values(classes);
  const catList = Object.values(categories);
  return {
    mIoU: nanMean(classList.map((s) => s.iou)),
    iIoU: nanMean(classList.map((s) => s.iiou)),
    categoryIoU: nanMean(catList.map((s) => s.iou)),
    categoryIIoU: nanMean(catList.map((s) => s.iiou)),
    classes,
    categories,
    pixels: c.pixels,
    instances: inst.instances,
  };
}

/** Accumulates frames for the semantic task; `result()` computes the scores at any time. */
export class SemanticAccumulator {
  readonly confusion = new ConfusionMatrix();
  readonly instances = new InstanceStats();
  frames = 0;

  /**
   * Adds one frame: GT label ids, GT instanceIds values and predicted label ids, all W×H.
   * Throws a RangeError naming the value for a GT label id that is not a Cityscapes id.
   */
  add(gtLabelIds: Uint8Array, gtInstanceIds: Uint16Array, predLabelIds: Uint8Array): void {
    const bad = firstAbove(gtLabelIds, MAX_LABEL_ID);
    if (bad !== undefined) {
      throw new RangeError(`GT label id ${bad} is not a Cityscapes label id (0..${MAX_LABEL_ID})`);
    }
    this.confusion.add(gtLabelIds, predLabelIds);
    this.instances.add(gtInstanceIds, predLabelIds);
    this.frames++;
  }

  result(): SemanticResult {
    return semanticScores(this.confusion, this.instances);
  }
}

function firstAbove(data: Uint8Array, max: number): number | undefined {
  for (let i = 0; i < data.length; i++) if (data[i]! > max) return data[i];
  return undefined;
}
