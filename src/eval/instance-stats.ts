/**
 * Instance-weighted TP/FN statistics for iIoU (cityscapesScripts evalPixelLevelSemanticLabeling,
 * `evalInstLevelScore`). Pure: no I/O.
 *
 * For every GT instance (instanceIds value > 1000 whose class is evaluated) with mask m:
 *   tp = pixels of m predicted as the instance's class, fn = |m| − tp,
 *   weight = avgClassSize[class] / |m|; tpWeighted += weight·tp, fnWeighted += weight·fn.
 * Categories whose labels (id ≥ 0) all have instances (human, vehicle) get the same with
 * tp = pixels of m predicted as any label of the category (vehicle includes caravan and trailer).
 */
import { LABELS, labelById } from "../frames/labels.js";

/** Average instance size in pixels per class (cityscapesScripts `args.avgClassSize`). */
export const AVG_CLASS_SIZE: Readonly<Record<string, number>> = {
  bicycle: 4672.3249222261,
  caravan: 36771.8241758242,
  motorcycle: 6298.7200839748,
  rider: 3930.4788056518,
  bus: 35732.1511111111,
  train: 67583.7075812274,
  car: 12794.0202738185,
  person: 3462.4756337644,
  truck: 27855.1264367816,
  trailer: 16926.9763313609,
};

export interface InstanceTally {
  tp: number;
  fn: number;
  tpWeighted: number;
  fnWeighted: number;
}

/** Categories whose labels (id ≥ 0) all have instances, with those label ids (reference order). */
export const INSTANCE_CATEGORIES: ReadonlyMap<string, readonly number[]> = (() => {
  const byCat = new Map<string, number[] | null>();
  for (const l of LABELS) {
    if (!byCat.has(l.category)) byCat.set(l.category, []);
    const ids = byCat.get(l.category);
    if (l.id < 0 || ids === null || ids === undefined) continue;
    if (!l.hasInstances) byCat.set(l.category, null);
    else ids.push(l.id);
  }
  const out = new Map<string, readonly number[]>();
  for (const [cat, ids] of byCat) if (ids !== null && ids !== undefined && ids.length > 0) out.set(cat, ids);
  return out;
})();

/** Evaluated thing classes (hasInstances ∧ ¬ignoreInEval) by name. */
const THING_NAMES = LABELS.filter((l) => l.hasInstances && !l.ignoreInEval && l.id >= 0).map((l) => l.name);

const emptyTally = (): InstanceTally => ({ tp: 0, fn: 0, tpWeighted: 0, fnWeighted: 0 });

const MAX_VALUE = 65536;

export class InstanceStats {
  readonly classes = new Map<string, InstanceTally>(THING_NAMES.map((n) => [n, emptyTally()]));
  readonly categories = new Map<string, InstanceTally>(
    [...INSTANCE_CATEGORIES.keys()].map((c) => [c, emptyTally()]),
  );
  /** Number of GT instances counted. */
  instances = 0;

  private readonly size = new Uint32Array(MAX_VALUE);
  private readonly tp = new Uint32Array(MAX_VALUE);
  private readonly catTp = new Uint32Array(MAX_VALUE);
  /** label id → index into the instance-category list, −1 if none. */
  private readonly labelCat = new Int8Array(256).fill(-1);
  /** predicted id → index into the instance-category list it belongs to, −1 if none. */
  private readonly predCat = new Int8Array(256).fill(-1);
  private readonly catNames: string[];

  constructor() {
    this.catNames = [...INSTANCE_CATEGORIES.keys()];
    this.catNames.forEach((cat, k) => {
      for (const id of INSTANCE_CATEGORIES.get(cat) ?? []) this.predCat[id] = k;
    });
    for (const l of LABELS) {
      const k = this.catNames.indexOf(l.category);
      if (l.id >= 0 && k >= 0) this.labelCat[l.id] = k;
    }
  }

  /**
   * Adds one frame: `instanceIds` are the GT instanceIds values (≤ 65535), `pred` the predicted
   * label ids, same length. Throws a RangeError naming the value for an instance of an unknown class.
   */
  add(instanceIds: Uint16Array, pred: Uint8Array): void {
    if (instanceIds.length !== pred.length) {
      throw new RangeError(
        `instance stats: instanceIds has ${instanceIds.length} pixels but pred has ${pred.length}`,
      );
    }
    const { size, tp, catTp, labelCat, predCat } = this;
    const touched: number[] = [];
    const n = pred.length;
    for (let i = 0; i < n; i++) {
      const v = instanceIds[i]!;
      if (v <= 1000) continue;
      if (size[v] === 0) touched.push(v);
      size[v]!++;
      const labelId = (v / 1000) | 0;
      const p = pred[i]!;
      if (p === labelId) tp[v]!++;
      const k = labelCat[labelId]!;
      if (k >= 0 && predCat[p] === k) catTp[v]!++;
    }
    touched.sort((a, b) => a - b);
    try {
      for (const v of touched) this.tallyInstance(v, size[v]!, tp[v]!, catTp[v]!);
    } finally {
      for (const v of touched) {
        size[v] = 0;
        tp[v] = 0;
        catTp[v] = 0;
      }
    }
  }

  private tallyInstance(value: number, instSize: number, tp: number, catTp: number): void {
    const labelId = Math.floor(value / 1000);
    const label = labelById(labelId);
    if (label === undefined) {
      throw new RangeError(
        `instance value ${value} has label id ${labelId}, which is not a Cityscapes label id`,
      );
    }
    if (label.ignoreInEval) return;
    const cls = this.classes.get(label.name);
    const avg = AVG_CLASS_SIZE[label.name];
    if (cls === undefined || avg === undefined) return; // an instance of a class without instances: not scored
    this.instances++;
    const weight = avg / instSize;
    const fn = instSize - tp;
    cls.tp += tp;
    cls.fn += fn;
    cls.tpWeighted += tp * weight;
    cls.fnWeighted += fn * weight;
    const cat = this.categories.get(label.category);
    if (cat !== undefined) {
      const catFn = instSize - catTp;
      cat.tp += catTp;
      cat.fn += catFn;
      cat.tpWeighted += catTp * weight;
      cat.fnWeighted += catFn * weight;
    }
  }
}
