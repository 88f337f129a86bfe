/**
 * HOTA as TrackEval `metrics/hota.py` computes it (specs/05 §5), on mask IoU. Pure: no I/O.
 *
 * Per sequence: global alignment GA(g,p) = pm / (n_g + n_p − pm) from the per-frame
 * normalised similarities; per frame Hungarian maximising GA·S; for each α ∈ {0.05 … 0.95}
 * a pair is a TP iff S ≥ α − ε. Sequences and classes combine by summing TP/FN/FP and
 * TP-weighting AssA/AssRe/AssPr/LocA (`combine_sequences`, `combine_classes_det_averaged`).
 */
import { maxWeightAssignment } from "./hungarian.js";
import type { TrackFrame } from "./tracking-data.js";

export const HOTA_ALPHAS: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);
const A = HOTA_ALPHAS.length;
const EPS = 2.220446049250313e-16;

/** Additive HOTA statistics per α: counts and TP-weighted association / localisation. */
export interface HotaSums {
  readonly tp: Float64Array;
  readonly fn: Float64Array;
  readonly fp: Float64Array;
  /** AssA·TP, AssRe·TP, AssPr·TP, LocA·TP per α. */
  readonly assA: Float64Array;
  readonly assRe: Float64Array;
  readonly assPr: Float64Array;
  readonly locA: Float64Array;
}

export interface HotaScores {
  /** Means over the 19 α. */
  readonly hota: number;
  readonly detA: number;
  readonly assA: number;
  readonly detRe: number;
  readonly detPr: number;
  readonly assRe: number;
  readonly assPr: number;
  readonly locA: number;
  readonly owta: number;
  /** Values at α = 0.05. */
  readonly hota0: number;
  readonly locA0: number;
}

export function emptyHotaSums(): HotaSums {
  const z = (): Float64Array => new Float64Array(A);
  return { tp: z(), fn: z(), fp: z(), assA: z(), assRe: z(), assPr: z(), locA: z() };
}

/** Adds `b` into `a`. */
export function addHotaSums(a: HotaSums, b: HotaSums): void {
  for (const k of ["tp", "fn", "fp", "assA", "assRe", "assPr", "locA"] as const) {
    for (let i = 0; i < A; i++) a[k][i]! += b[k][i]!;
  }
}

/** One class of one sequence (ids 0 … numGt−1 / numTr−1). */
export function hotaSequence(frames: readonly TrackFrame[], numGt: number, numTr: number): HotaSums {
  const pm = new Float64Array(numGt * numTr);
  const gtCount = new Float64Array(numGt);
  const trCount = new Float64Array(numTr);
  for (const f of frames) {
    const rows = f.gt.length;
    const cols = f.tr.length;
    const rowSum = new Float64Array(rows);
    const colSum = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        rowSum[r]! += f.sim[r * cols + c]!;
        colSum[c]! += f.sim[r * cols + c]!;
      }
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const s = f.sim[r * cols + c]!;
        const denom = rowSum[r]! + colSum[c]! - s;
        if (denom > EPS) pm[f.gt[r]! * numTr + f.tr[c]!]! += s / denom;
      }
    }
    for (const g of f.gt) gtCount[g]!++;
    for (const t of f.tr) trCount[t]!++;
  }
  const ga = (g: number, t: number): number => {
    const p = pm[g * numTr + t]!;
    return p / (gtCount[g]! + trCount[t]! - p);
  };
  const out = emptyHotaSums();
  const matches = Array.from({ length: A }, () => new Map<number, number>());
  const locSum = new Float64Array(A);
  for (const f of frames) {
    const rows = f.gt.length;
    const cols = f.tr.length;
    if (rows === 0 || cols === 0) {
      for (let a = 0; a < A; a++) {
        out.fp[a]! += cols;
        out.fn[a]! += rows;
      }
      continue;
    }
    const score = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) score[r * cols + c] = ga(f.gt[r]!, f.tr[c]!) * f.sim[r * cols + c]!;
    }
    const m = maxWeightAssignment(score, rows, cols);
    for (let a = 0; a < A; a++) {
      let n = 0;
      m.rows.forEach((r, k) => {
        const c = m.cols[k]!;
        const s = f.sim[r * cols + c]!;
        if (!(s >= HOTA_ALPHAS[a]! - EPS)) return;
        n++;
        locSum[a]! += s;
        const key = f.gt[r]! * numTr + f.tr[c]!;
        matches[a]!.set(key, (matches[a]!.get(key) ?? 0) + 1);
      });
      out.tp[a]! += n;
      out.fn[a]! += rows - n;
      out.fp[a]! += cols - n;
    }
  }
  for (let a = 0; a < A; a++) {
    let assA = 0;
    let assRe = 0;
    let assPr = 0;
    for (const [key, mc] of matches[a]!) {
      const g = Math.floor(key / numTr);
      const t = key % numTr;
      assA += (mc * mc) / Math.max(1, gtCount[g]! + trCount[t]! - mc);
      assRe += (mc * mc) / Math.max(1, gtCount[g]!);
      assPr += (mc * mc) / Math.max(1, trCount[t]!);
    }
    const tp = out.tp[a]!;
    // Sequence AssX = ΣX / max(1, TP); stored TP-weighted: (ΣX / max(1, TP))·TP.
    const w = tp / Math.max(1, tp);
    out.assA[a] = assA * w;
    out.assRe[a] = assRe * w;
    out.assPr[a] = assPr * w;
    out.locA[a] = (Math.max(1e-10, locSum[a]!) / Math.max(1e-10, tp)) * tp;
  }
  return out;
}

/** Final scores from (combined) sums: TrackEval `_compute_final_fields`, then means over α. */
export function hotaScores(s: HotaSums): HotaScores {
  const per = (f: (a: number) => number): number[] => HOTA_ALPHAS.map((_, a) => f(a));
  const tp = (a: number): number => s.tp[a]!;
  const detA = per((a) => tp(a) / Math.max(1, tp(a) + s.fn[a]! + s.fp[a]!));
  const detRe = per((a) => tp(a) / Math.max(1, tp(a) + s.fn[a]!));
  const detPr = per((a) => tp(a) / Math.max(1, tp(a) + s.fp[a]!));
  const assA = per((a) => s.assA[a]! / Math.max(1, tp(a)));
  const assRe = per((a) => s.assRe[a]! / Math.max(1, tp(a)));
  const assPr = per((a) => s.assPr[a]! / Math.max(1, tp(a)));
  const locA = per((a) => Math.max(1e-10, s.locA[a]!) / Math.max(1e-10, tp(a)));
  const hota = per((a) => Math.sqrt(detA[a]! * assA[a]!));
  const owta = per((a) => Math.sqrt(detRe[a]! * assA[a]!));
  const mean = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;
  return {
    hota: mean(hota),
    detA: mean(detA),
    assA: mean(assA),
    detRe: mean(detRe),
    detPr: mean(detPr),
    assRe: mean(assRe),
    assPr: mean(assPr),
    locA: mean(locA),
    owta: mean(owta),
    hota0: hota[0]!,
    locA0: locA[0]!,
  };
}
