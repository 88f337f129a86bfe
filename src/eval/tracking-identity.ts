/**
 * Identity metrics (IDF1, IDR, IDP) as TrackEval `metrics/identity.py` computes them. Pure: no I/O.
 *
 * Per sequence: pm(g, t) = frames where GT id g and tracker id t have IoU ≥ 0.5. TrackEval's
 * min-cost assignment over the (gt + tracker)² matrix of FN + FP costs equals a maximum-weight
 * bipartite matching on pm (a matched pair costs n_g + n_t − 2·pm, an unmatched id its own count),
 * so IDTP = max Σ pm over one-to-one id pairs, IDFN = GT dets − IDTP, IDFP = tracker dets − IDTP.
 * IDF1 = 2·IDTP / (2·IDTP + IDFP + IDFN).
 */
import { maxWeightAssignment } from "./hungarian.js";
import type { TrackFrame } from "./tracking-data.js";

export interface IdentityCounts {
  idtp: number;
  idfn: number;
  idfp: number;
}

export interface IdentityScores extends IdentityCounts {
  readonly idf1: number;
  readonly idr: number;
  readonly idp: number;
}

export const IDENTITY_THRESHOLD = 0.5;

export function identitySequence(
  frames: readonly TrackFrame[],
  numGt: number,
  numTr: number,
): IdentityCounts {
  const pm = new Float64Array(numGt * numTr);
  let gtDets = 0;
  let trDets = 0;
  for (const f of frames) {
    const cols = f.tr.length;
    gtDets += f.gt.length;
    trDets += cols;
    for (let r = 0; r < f.gt.length; r++) {
      for (let c = 0; c < cols; c++) {
        if (f.sim[r * cols + c]! >= IDENTITY_THRESHOLD) pm[f.gt[r]! * numTr + f.tr[c]!]!++;
      }
    }
  }
  let idtp = 0;
  const m = maxWeightAssignment(pm, numGt, numTr);
  m.rows.forEach((r, k) => (idtp += pm[r * numTr + m.cols[k]!]!));
  return { idtp, idfn: gtDets - idtp, idfp: trDets - idtp };
}

export function identityScores(c: IdentityCounts): IdentityScores {
  return {
    ...c,
    idf1: c.idtp / Math.max(1, c.idtp + 0.5 * c.idfp + 0.5 * c.idfn),
    idr: c.idtp / Math.max(1, c.idtp + c.idfn),
    idp: c.idtp / Math.max(1, c.idtp + c.idfp),
  };
}
