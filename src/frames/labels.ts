/**
 * The Cityscapes label table (cityscapesScripts helpers/labels.py, see specs/04).
 * Evaluation always uses the regular `id`; `trainId` 255 means ignored in training.
 */
export interface CityscapesLabel {
  readonly name: string;
  readonly id: number;
  readonly trainId: number;
  readonly category: string;
  readonly categoryId: number;
  readonly hasInstances: boolean;
  readonly ignoreInEval: boolean;
  readonly color: readonly [number, number, number];
}

type Row = [string, number, number, string, number, boolean, boolean, [number, number, number]];
const ROWS: Row[] = [
  ["unlabeled", 0, 255, "void", 0, false, true, [0, 0, 0]],
  ["ego vehicle", 1, 255, "void", 0, false, true, [0, 0, 0]],
  ["rectification border", 2, 255, "void", 0, false, true, [0, 0, 0]],
  ["out of roi", 3, 255, "void", 0, false, true, [0, 0, 0]],
  ["static", 4, 255, "void", 0, false, true, [0, 0, 0]],
  ["dynamic", 5, 255, "void", 0, false, true, [111, 74, 0]],
  ["ground", 6, 255, "void", 0, false, true, [81, 0, 81]],
  ["road", 7, 0, "flat", 1, false, false, [128, 64, 128]],
  ["sidewalk", 8, 1, "flat", 1, false, false, [244, 35, 232]],
  ["parking", 9, 255, "flat", 1, false, true, [250, 170, 160]],
  ["rail track", 10, 255, "flat", 1, false, true, [230, 150, 140]],
  ["building", 11, 2, "construction", 2, false, false, [70, 70, 70]],
  ["wall", 12, 3, "construction", 2, false, false, [102, 102, 156]],
  ["fence", 13, 4, "construction", 2, false, false, [190, 153, 153]],
  ["guard rail", 14, 255, "construction", 2, false, true, [180, 165, 180]],
  ["bridge", 15, 255, "construction", 2, false, true, [150, 100, 100]],
  ["tunnel", 16, 255, "construction", 2, false, true, [150, 120, 90]],
  ["pole", 17, 5, "object", 3, false, false, [153, 153, 153]],
  ["polegroup", 18, 255, "object", 3, false, true, [153, 153, 153]],
  ["traffic light", 19, 6, "object", 3, false, false, [250, 170, 30]],
  ["traffic sign", 20, 7, "object", 3, false, false, [220, 220, 0]],
  ["vegetation", 21, 8, "nature", 4, false, false, [107, 142, 35]],
  ["terrain", 22, 9, "nature", 4, false, false, [152, 251, 152]],
  ["sky", 23, 10, "sky", 5, false, false, [70, 130, 180]],
  ["person", 24, 11, "human", 6, true, false, [220, 20, 60]],
  ["rider", 25, 12, "human", 6, true, false, [255, 0, 0]],
  ["car", 26, 13, "vehicle", 7, true, false, [0, 0, 142]],
  ["truck", 27, 14, "vehicle", 7, true, false, [0, 0, 70]],
  ["bus", 28, 15, "vehicle", 7, true, false, [0, 60, 100]],
  ["caravan", 29, 255, "vehicle", 7, true, true, [0, 0, 90]],
  ["trailer", 30, 255, "vehicle", 7, true, true, [0, 0, 110]],
  ["train", 31, 16, "vehicle", 7, true, false, [0, 80, 100]],
  ["motorcycle", 32, 17, "vehicle", 7, true, false, [0, 0, 230]],
  ["bicycle", 33, 18, "vehicle", 7, true, false, [119, 11, 32]],
  ["license plate", -1, -1, "vehicle", 7, false, true, [0, 0, 142]],
];

export const LABELS: readonly CityscapesLabel[] = ROWS.map(
  ([name, id, trainId, category, categoryId, hasInstances, ignoreInEval, color]) => ({
    name,
    id,
    trainId,
    category,
    categoryId,
    hasInstances,
    ignoreInEval,
    color,
  }),
);

/** Label ids 0..33 (license plate, id −1, is not indexable here). */
export const MAX_LABEL_ID = 33;

const byId = new Map(LABELS.filter((l) => l.id >= 0).map((l) => [l.id, l]));
const byName = new Map(LABELS.map((l) => [l.name, l]));

export function labelById(id: number): CityscapesLabel | undefined {
  return byId.get(id);
}

export function labelByName(name: string): CityscapesLabel | undefined {
  return byName.get(name);
}

/** The 19 evaluated classes in trainId order (the "Cityscapes-19" output space). */
export const EVAL_LABELS: readonly CityscapesLabel[] = LABELS.filter(
  (l) => !l.ignoreInEval && l.id >= 0,
).sort((a, b) => a.trainId - b.trainId);

/** The 8 evaluated thing classes: person, rider, car, truck, bus, train, motorcycle, bicycle. */
export const THING_LABELS: readonly CityscapesLabel[] = EVAL_LABELS.filter((l) => l.hasInstances);

/** trainId (0..18) → label id; 255 → 0 (unlabeled), "the label defined first". */
export const TRAIN_ID_TO_ID: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const l of EVAL_LABELS) t[l.trainId] = l.id;
  return t;
})();

/** label id (0..255) → trainId, 255 for ignored ids. */
export const ID_TO_TRAIN_ID: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(255);
  for (const l of EVAL_LABELS) t[l.id] = l.trainId;
  return t;
})();

/** label id (0..255) → RGB colour, packed as 3 bytes per id. */
export const ID_TO_COLOR: Uint8Array = (() => {
  const t = new Uint8Array(256 * 3);
  for (const l of LABELS) {
    if (l.id < 0) continue;
    t.set(l.color, l.id * 3);
  }
  return t;
})();

/** Decodes an instanceIds value: ≥1000 → (id = v/1000, instance = v%1000), else (id = v, instance = −1). */
export function decodeInstanceValue(v: number): { labelId: number; instance: number } {
  return v >= 1000 ? { labelId: Math.floor(v / 1000), instance: v % 1000 } : { labelId: v, instance: -1 };
}
