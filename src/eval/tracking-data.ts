/**
 * Per-sequence tracking statistics (specs/05 §4–§5): for each thing class, per frame the GT and
 * tracker ids present, their mask-IoU matrix and each tracker det's fraction on the ignore
 * region. Only these sparse numbers are kept, never images. Pure: no I/O.
 *
 * - GT dets: instanceIds values ≥ 1000 of an evaluated thing class; the value is the track id.
 * - Tracker dets: `_pred_instances.json` masks made non-overlapping first (higher score wins,
 *   see `resolveOverlaps`), then per labelId; a det whose mask is fully covered is dropped.
 *   A null trackId makes a fresh id each frame (an unassociated detection).
 * - Ignore region (class-agnostic, like KITTI-MOTS id 10000): GT VOID ∪ GT group regions ∪ GT
 *   instances smaller than `minGtArea` pixels in that frame (not counted as GT; see tracking.ts).
 */
import { THING_LABELS } from "../frames/labels.js";
import { maxWeightAssignment } from "./hungarian.js";
import type { PredInstance } from "./pred-files.js";
import { isGroupValue, isInstanceValue, isVoidValue, labelOf, resolveOverlaps } from "./segments.js";

export interface TrackFrame {
  /** GT id indices (0 … numGt − 1 of the class sequence). */
  readonly gt: Int32Array;
  /** Tracker id indices. */
  readonly tr: Int32Array;
  /** gt.length × tr.length mask IoU, row-major. */
  readonly sim: Float64Array;
  /** Per tracker det: |det ∩ ignore region| / |det|. */
  readonly trIgnore: Float64Array;
}

export interface ClassSequence {
  readonly labelId: number;
  readonly frames: TrackFrame[];
  numGt: number;
  numTr: number;
}

const KEY = 65536;

class IdMap {
  private readonly ids = new Map<number, number>();
  constructor(
    private readonly owner: ClassSequence,
    private readonly side: "numGt" | "numTr",
  ) {}
  index(id: number | null): number {
    if (id !== null) {
      const known = this.ids.get(id);
      if (known !== undefined) return known;
    }
    const i = this.owner[this.side]++;
    if (id !== null) this.ids.set(id, i);
    return i;
  }
}

/** Collects one sequence, frame by frame. */
export class SequenceBuilder {
  readonly classes = new Map<number, ClassSequence>();
  private readonly gtIds = new Map<number, IdMap>();
  private readonly trIds = new Map<number, IdMap>();

  /** `minGtArea`: GT instances with fewer pixels in a frame become ignore regions in that frame. */
  constructor(
    readonly name: string,
    private readonly minGtArea = 0,
  ) {
    for (const l of THING_LABELS) {
      const cs: ClassSequence = { labelId: l.id, frames: [], numGt: 0, numTr: 0 };
      this.classes.set(l.id, cs);
      this.gtIds.set(l.id, new IdMap(cs, "numGt"));
      this.trIds.set(l.id, new IdMap(cs, "numTr"));
    }
  }

  /** Adds the next frame: GT instanceIds values and the predicted instances. */
  add(gt: Uint16Array, preds: readonly PredInstance[]): void {
    const owner = resolveOverlaps(preds, gt.length);
    const gtArea = new Map<number, number>();
    const trArea = new Float64Array(preds.length);
    const trIgnore = new Float64Array(preds.length);
    const inter = new Map<number, number>();
    let lastKey = -1;
    let run = 0;
    const flush = (): void => {
      if (run > 0) inter.set(lastKey, (inter.get(lastKey) ?? 0) + run);
    };
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i]!;
      const o = owner[i]!;
      const inst = isInstanceValue(g);
      if (inst) gtArea.set(g, (gtArea.get(g) ?? 0) + 1);
      if (o < 0) continue;
      trArea[o]!++;
      if (!inst) {
        if (isVoidValue(g) || isGroupValue(g)) trIgnore[o]!++;
        continue;
      }
      const key = g * KEY + o;
      if (key === lastKey) run++;
      else {
        flush();
        lastKey = key;
        run = 1;
      }
    }
    flush();
    // GT instances below the minimum area: ignore regions (their pixels count toward trIgnore).
    const small = new Set<number>();
    for (const [g, a] of gtArea) if (a < this.minGtArea) small.add(g);
    if (small.size > 0) {
      for (const [key, n] of inter) {
        const g = Math.floor(key / KEY);
        if (small.has(g)) trIgnore[key - g * KEY]! += n;
      }
    }
    for (const [labelId, cs] of this.classes) {
      const gts = [...gtArea.keys()]
        .filter((v) => labelOf(v) === labelId && !small.has(v))
        .sort((a, b) => a - b);
      const trs: number[] = [];
      preds.forEach((p, i) => {
        if (p.labelId === labelId && trArea[i]! > 0) trs.push(i);
      });
      if (gts.length === 0 && trs.length === 0) continue;
      const sim = new Float64Array(gts.length * trs.length);
      gts.forEach((g, r) => {
        trs.forEach((t, c) => {
          const n = inter.get(g * KEY + t) ?? 0;
          if (n > 0) sim[r * trs.length + c] = n / (gtArea.get(g)! + trArea[t]! - n);
        });
      });
      const gtMap = this.gtIds.get(labelId)!;
      const trMap = this.trIds.get(labelId)!;
      cs.frames.push({
        gt: Int32Array.from(gts, (g) => gtMap.index(g)),
        tr: Int32Array.from(trs, (t) => trMap.index(preds[t]!.trackId)),
        sim,
        trIgnore: Float64Array.from(trs, (t) => trIgnore[t]! / trArea[t]!),
      });
    }
  }
}

/** Keeps the tracker columns in `keep` (indices into frame.tr). */
export function keepTrackers(f: TrackFrame, keep: readonly number[]): TrackFrame {
  const n = f.tr.length;
  const sim = new Float64Array(f.gt.length * keep.length);
  for (let r = 0; r < f.gt.length; r++)
    keep.forEach((c, k) => (sim[r * keep.length + k] = f.sim[r * n + c]!));
  return {
    gt: f.gt,
    tr: Int32Array.from(keep, (c) => f.tr[c]!),
    sim,
    trIgnore: Float64Array.from(keep, (c) => f.trIgnore[c]!),
  };
}

const EPS = 2.220446049250313e-16;

/**
 * TrackEval KITTI-MOTS preprocessing (used for HOTA and Identity): Hungarian on IoU with pairs
 * below 0.5 zeroed; unmatched tracker dets with > 50 % of their area on the ignore region are removed.
 */
export function removeIgnoredTrackEval(f: TrackFrame): TrackFrame {
  const rows = f.gt.length;
  const cols = f.tr.length;
  const matched = new Uint8Array(cols);
  if (rows > 0 && cols > 0) {
    const score = Float64Array.from(f.sim, (s) => (s < 0.5 - EPS ? 0 : s));
    const a = maxWeightAssignment(score, rows, cols);
    a.rows.forEach((r, k) => {
      const c = a.cols[k]!;
      if (score[r * cols + c]! > EPS) matched[c] = 1;
    });
  }
  return dropIgnored(f, matched);
}

/**
 * mots_tools rule (used for MOTSA/sMOTSA/MOTSP): a tracker det with IoU > 0.5 to some GT is
 * matched; unmatched dets with > 50 % of their area on the ignore region are ignored.
 */
export function removeIgnoredMotsTools(f: TrackFrame): TrackFrame {
  const cols = f.tr.length;
  const matched = new Uint8Array(cols);
  for (let r = 0; r < f.gt.length; r++)
    for (let c = 0; c < cols; c++) if (f.sim[r * cols + c]! > 0.5) matched[c] = 1;
  return dropIgnored(f, matched);
}

function dropIgnored(f: TrackFrame, matched: Uint8Array): TrackFrame {
  const keep: number[] = [];
  for (let c = 0; c < f.tr.length; c++) if (matched[c] || !(f.trIgnore[c]! > 0.5 + EPS)) keep.push(c);
  return keep.length === f.tr.length ? f : keepTrackers(f, keep);
}
