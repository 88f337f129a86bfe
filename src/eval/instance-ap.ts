/**
 * Cityscapes instance-level AP as cityscapesScripts evalInstanceLevelSemanticLabeling computes it
 * (specs/05 §2), without distance information (min GT region 100 px, no distance limit).
 * Pure: no I/O. Per frame only sparse overlap statistics are kept (no images).
 *
 * - Classes: the 8 evaluated thing classes; predictions of other labels are skipped.
 * - GT candidates per class: all instanceIds values of the class (groups included, as the
 *   reference's `matchedGt`); scored GT: values ≥ 1000 with ≥ 100 px.
 * - VOID for the ignore fraction: instanceIds values < 1000 whose label is ignoreInEval — the
 *   reference tests the raw instanceIds value against the void label ids, so caravan/trailer
 *   *instances* (≥ 1000) are not void, their group pixels are.
 * - Per overlap th ∈ {0.50, …, 0.95}: IoU > th. Several matches of one GT: highest score TP,
 *   the others FP. An unmatched prediction (no GT of its class — scored or not — with IoU > th)
 *   is ignored when (void + group + too-small-GT pixels) / area > th (a group pixel that is also
 *   too small counts twice, as in the reference), else FP. Unmatched scored GT: hard FN.
 * - PR curve: one point per distinct score (ascending), then (recall 0, precision 1); AP =
 *   Σ p_i·(r_{i−1} − r_{i+1})/2 with r_{−1} = r_0 and r after the artificial point = 0 — the
 *   reference's `np.convolve(recall, [-0.5, 0, 0.5])` (a trapezoidal area).
 * - GT but no prediction → 0; no GT → NaN; GT and predictions but every prediction ignored
 *   and nothing matched → 0 (the reference would index an empty array).
 */
import { THING_LABELS } from "../frames/labels.js";
import type { PredInstance } from "./pred-files.js";
import { isEvaluatedLabel, labelOf, maskOverlaps } from "./segments.js";

/** `np.arange(0.5, 1.0, 0.05)` bit for bit (numpy steps by (start + step) − start: 0.6000000000000001, …). */
export const AP_OVERLAPS: readonly number[] = Array.from(
  { length: 10 },
  (_, i) => 0.5 + i * (0.5 + 0.05 - 0.5),
);
export const AP_MIN_REGION = 100;

export interface InstanceClassAp {
  readonly id: number;
  /** Mean over the 10 overlaps; NaN without GT. */
  readonly ap: number;
  readonly ap50: number;
  /** AP per overlap threshold 0.50 … 0.95. */
  readonly byOverlap: readonly number[];
  /** Scored GT instances (≥ 1000, ≥ 100 px) and predictions of the class. */
  readonly gt: number;
  readonly predictions: number;
}

export interface InstanceResult {
  /** Mean over classes with GT and the 10 overlaps. */
  readonly ap: number;
  /** Mean over classes with GT at overlap 0.5. */
  readonly ap50: number;
  readonly classes: Readonly<Record<string, InstanceClassAp>>;
}

interface ApGt {
  readonly value: number;
  readonly pixels: number;
}
interface ApPred {
  readonly score: number;
  readonly pixels: number;
  readonly voidPixels: number;
  /** (index into the frame's gts, intersection) for every GT of the class it touches. */
  readonly overlaps: readonly (readonly [number, number])[];
}
interface ApFrame {
  readonly gts: readonly ApGt[];
  readonly preds: readonly ApPred[];
}

function isApVoid(v: number): boolean {
  return v < 1000 && !isEvaluatedLabel(v);
}

export class InstanceApAccumulator {
  private readonly frames = new Map<number, ApFrame[]>(THING_LABELS.map((l) => [l.id, []]));

  /** Adds one frame: GT instanceIds values and the predicted instances (masks of the same size). */
  add(gt: Uint16Array, gtAreas: ReadonlyMap<number, number>, preds: readonly PredInstance[]): void {
    for (const [labelId, list] of this.frames) {
      const gts: ApGt[] = [];
      const index = new Map<number, number>();
      for (const [value, pixels] of gtAreas) {
        if (labelOf(value) !== labelId) continue;
        index.set(value, gts.length);
        gts.push({ value, pixels });
      }
      const out: ApPred[] = [];
      for (const p of preds) {
        if (p.labelId !== labelId) continue;
        const { area, byGt } = maskOverlaps(p.mask, gt);
        if (area === 0) continue;
        let voidPixels = 0;
        const overlaps: [number, number][] = [];
        for (const [v, n] of byGt) {
          if (isApVoid(v)) voidPixels += n;
          const g = index.get(v);
          if (g !== undefined) overlaps.push([g, n]);
        }
        out.push({ score: p.score, pixels: area, voidPixels, overlaps });
      }
      if (gts.length > 0 || out.length > 0) list.push({ gts, preds: out });
    }
  }

  result(): InstanceResult {
    const classes: Record<string, InstanceClassAp> = {};
    const all: number[] = [];
    const at50: number[] = [];
    for (const l of THING_LABELS) {
      const frames = this.frames.get(l.id)!;
      const byOverlap = AP_OVERLAPS.map((th) => classAp(frames, th));
      const ap = byOverlap.reduce((a, b) => a + b, 0) / byOverlap.length;
      let gt = 0;
      let predictions = 0;
      for (const f of frames) {
        gt += f.gts.filter(scored).length;
        predictions += f.preds.length;
      }
      classes[l.name] = { id: l.id, ap, ap50: byOverlap[0]!, byOverlap, gt, predictions };
      all.push(...byOverlap);
      at50.push(byOverlap[0]!);
    }
    return { ap: nanMean(all), ap50: nanMean(at50), classes };
  }
}

function scored(g: ApGt): boolean {
  return g.value >= 1000 && g.pixels >= AP_MIN_REGION;
}

function nanMean(values: readonly number[]): number {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** AP of one class at one overlap threshold. */
export function classAp(frames: readonly ApFrame[], th: number): number {
  const yTrue: number[] = [];
  const yScore: number[] = [];
  let hardFns = 0;
  let haveGt = false;
  let havePred = false;
  for (const { gts, preds } of frames) {
    if (preds.length > 0) havePred = true;
    const iou = (p: ApPred, g: number, inter: number): number => inter / (gts[g]!.pixels + p.pixels - inter);
    gts.forEach((g, gi) => {
      if (!scored(g)) return;
      haveGt = true;
      let matched = false;
      let score = -Infinity;
      for (const p of preds) {
        for (const [pg, inter] of p.overlaps) {
          if (pg !== gi || !(iou(p, gi, inter) > th)) continue;
          if (matched) {
            yTrue.push(0);
            yScore.push(Math.min(score, p.score));
            score = Math.max(score, p.score);
          } else {
            matched = true;
            score = p.score;
          }
        }
      }
      if (matched) {
        yTrue.push(1);
        yScore.push(score);
      } else hardFns++;
    });
    for (const p of preds) {
      if (p.overlaps.some(([g, inter]) => iou(p, g, inter) > th)) continue;
      let ignore = p.voidPixels;
      for (const [g, inter] of p.overlaps) {
        if (gts[g]!.value < 1000) ignore += inter;
        if (gts[g]!.pixels < AP_MIN_REGION) ignore += inter;
      }
      if (ignore / p.pixels <= th) {
        yTrue.push(0);
        yScore.push(p.score);
      }
    }
  }
  if (!haveGt) return NaN;
  if (!havePred || yTrue.length === 0) return 0;
  return prArea(yTrue, yScore, hardFns).ap;
}

/**
 * The reference's PR curve: points at each distinct score (ascending), precision/recall of
 * "score ≥ threshold", then the artificial (recall 0, precision 1); returns the curve and its area.
 */
export function prArea(
  yTrue: readonly number[],
  yScore: readonly number[],
  hardFns: number,
): { precision: number[]; recall: number[]; ap: number } {
  const order = yScore.map((_, i) => i).sort((a, b) => yScore[a]! - yScore[b]!);
  const n = order.length;
  const cum = new Float64Array(n);
  let s = 0;
  order.forEach((i, k) => {
    s += yTrue[i]!;
    cum[k] = s;
  });
  const nbTrue = s;
  const precision: number[] = [];
  const recall: number[] = [];
  for (let k = 0; k < n; k++) {
    if (k > 0 && yScore[order[k]!] === yScore[order[k - 1]!]) continue; // first index of each score
    const below = k > 0 ? cum[k - 1]! : 0;
    const tp = nbTrue - below;
    const fp = n - k - tp;
    const fn = below + hardFns;
    precision.push(tp / (tp + fp));
    recall.push(tp / (tp + fn));
  }
  precision.push(1);
  recall.push(0);
  const rc = [recall[0]!, ...recall, 0];
  let ap = 0;
  for (let i = 0; i < precision.length; i++) ap += precision[i]! * ((rc[i]! - rc[i + 2]!) / 2);
  return { precision, recall, ap };
}
