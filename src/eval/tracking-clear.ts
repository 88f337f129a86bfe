/**
 * MOTS CLEAR metrics as mots_tools `MOTS_metrics.py` computes them (specs/05 §4). Pure: no I/O.
 *
 * Per frame (after `removeIgnoredMotsTools`): a GT mask and a tracker mask correspond iff
 * IoU > 0.5 (optimal assignment on 1 − IoU, pairs ≤ 0.5 gated out; unique anyway for
 * non-overlapping masks) → TP, TP_soft += IoU; unmatched GT → FN; unmatched tracker → FP.
 * Per GT track over its frames: an ID switch whenever the matched tracker id differs from the
 * last matched one (unmatched frames skipped); fragmentation, MT (> 80 % tracked), ML (< 20 %), PT.
 * MOTSA = (TP − FP − IDS) / |M|, sMOTSA = (TP_soft − FP − IDS) / |M|, MOTSP = TP_soft / TP.
 */
import { linearSumAssignment } from "./hungarian.js";
import type { TrackFrame } from "./tracking-data.js";

export interface ClearCounts {
  /** GT masks |M|. */
  gt: number;
  tp: number;
  fp: number;
  fn: number;
  ids: number;
  /** Σ IoU over TPs. */
  tpSoft: number;
  frag: number;
  /** GT tracks: mostly tracked, partially tracked, mostly lost. */
  mt: number;
  pt: number;
  ml: number;
  tracks: number;
}

export interface ClearScores extends ClearCounts {
  /** NaN when there is no GT mask. */
  motsa: number;
  smotsa: number;
  /** NaN without TPs. */
  motsp: number;
}

export function emptyClear(): ClearCounts {
  return { gt: 0, tp: 0, fp: 0, fn: 0, ids: 0, tpSoft: 0, frag: 0, mt: 0, pt: 0, ml: 0, tracks: 0 };
}

export function addClear(a: ClearCounts, b: ClearCounts): void {
  for (const k of Object.keys(a) as (keyof ClearCounts)[]) a[k] += b[k];
}

const GATED = 1e9;

/** One class of one sequence; frames in time order, ignored tracker dets already removed. */
export function clearSequence(frames: readonly TrackFrame[], numGt: number): ClearCounts {
  const out = emptyClear();
  /** Per GT id: matched tracker id per frame where the GT is present (−1 = not matched). */
  const traj: number[][] = Array.from({ length: numGt }, () => []);
  for (const f of frames) {
    const rows = f.gt.length;
    const cols = f.tr.length;
    out.gt += rows;
    let tp = 0;
    const cost = Float64Array.from(f.sim, (s) => (s > 0.5 ? 1 - s : GATED));
    const assigned = new Int32Array(rows).fill(-1);
    const m = linearSumAssignment(cost, rows, cols);
    m.rows.forEach((r, k) => {
      const c = m.cols[k]!;
      const s = f.sim[r * cols + c]!;
      if (!(s > 0.5)) return;
      assigned[r] = f.tr[c]!;
      tp++;
      out.tpSoft += s;
    });
    out.tp += tp;
    out.fn += rows - tp;
    out.fp += cols - tp;
    f.gt.forEach((g, r) => traj[g]!.push(assigned[r]!));
  }
  for (const g of traj) {
    if (g.length === 0) continue;
    out.tracks++;
    if (g.every((t) => t === -1)) {
      out.ml++;
      continue;
    }
    let last = g[0]!;
    let tracked = last >= 0 ? 1 : 0;
    for (let f = 1; f < g.length; f++) {
      const cur = g[f]!;
      if (last !== cur && last !== -1 && cur !== -1) out.ids++;
      if (f < g.length - 1 && g[f - 1] !== cur && last !== -1 && cur !== -1 && g[f + 1] !== -1) out.frag++;
      if (cur !== -1) {
        tracked++;
        last = cur;
      }
    }
    const n = g.length;
    if (n > 1 && g[n - 2] !== g[n - 1] && last !== -1 && g[n - 1] !== -1) out.frag++;
    const ratio = tracked / n;
    if (ratio > 0.8) out.mt++;
    else if (ratio < 0.2) out.ml++;
    else out.pt++;
  }
  return out;
}

export function clearScores(c: ClearCounts): ClearScores {
  return {
    ...c,
    motsa: c.gt === 0 ? NaN : (c.tp - c.fp - c.ids) / c.gt,
    smotsa: c.gt === 0 ? NaN : (c.tpSoft - c.fp - c.ids) / c.gt,
    motsp: c.tp === 0 ? NaN : c.tpSoft / c.tp,
  };
}
