/**
 * The tracking task: HOTA (TrackEval), MOTSA/sMOTSA/MOTSP + IDS (mots_tools), IDF1 (TrackEval
 * Identity) per thing class, on mask IoU. Frames arrive in stem order, so each sequence
 * (`<city>_<seq>`) is contiguous; it is scored when the next one starts and only additive
 * counts are kept. Pure: no I/O.
 *
 * Classes: the evaluated thing classes with any GT or tracker det. Each class is evaluated
 * separately (as TrackEval's KITTI-MOTS does for car and pedestrian); combined scores are given
 * both detection-averaged (counts summed, AssA etc. TP-weighted) and class-averaged (mean of the
 * per-class scores).
 *
 * Minimum GT area (`minGtArea`, default {@link DEFAULT_MIN_GT_AREA} = 100 px, reported in the
 * result): as Cityscapes' instance evaluation ignores GT regions below minRegionSize (100 px,
 * specs/05 §2) and KITTI-MOTS marks what should not be scored as ignore regions (id 10000,
 * specs/05 §4), a GT instance with fewer pixels than `minGtArea` *in a frame* is, in that frame,
 * not a GT det but part of the ignore region: it adds nothing to |M|, FN or the HOTA/IDF1 GT
 * counts, and a tracker det that is unmatched and has > 50 % of its area on the ignore region
 * (VOID ∪ groups ∪ these small instances) is removed before scoring (the existing TrackEval and
 * mots_tools ignore rules, tracking-data.ts). The same object is a GT det in the frames where it
 * is large enough (an object approaching from the horizon is scored from the frame it reaches
 * the minimum). `minGtArea: 0` scores every GT instance.
 */
import { labelById } from "../frames/labels.js";
import type { PredInstance } from "./pred-files.js";
import {
  clearScores,
  addClear,
  clearSequence,
  emptyClear,
  type ClearCounts,
  type ClearScores,
} from "./tracking-clear.js";
import {
  SequenceBuilder,
  removeIgnoredMotsTools,
  removeIgnoredTrackEval,
  type ClassSequence,
} from "./tracking-data.js";
import {
  addHotaSums,
  emptyHotaSums,
  hotaScores,
  hotaSequence,
  type HotaScores,
  type HotaSums,
} from "./tracking-hota.js";
import {
  identityScores,
  identitySequence,
  type IdentityCounts,
  type IdentityScores,
} from "./tracking-identity.js";

export interface TrackingScores {
  readonly hota: HotaScores;
  readonly clear: ClearScores;
  readonly identity: IdentityScores;
}

/** Default minimum GT instance area (px) for the tracking metrics (Cityscapes' minRegionSize). */
export const DEFAULT_MIN_GT_AREA = 100;

export interface TrackingOptions {
  /** GT instances with fewer pixels in a frame are ignore regions there (default 100). */
  readonly minGtArea?: number;
}

export interface TrackingResult {
  readonly sequences: number;
  /** GT instances smaller than this (px, per frame) were ignore regions, not GT. */
  readonly minGtArea: number;
  /** Per class (name) with any GT or tracker det. */
  readonly classes: Readonly<Record<string, TrackingScores>>;
  /** Counts summed over classes (TrackEval `combine_classes_det_averaged`). */
  readonly detAveraged: TrackingScores;
  /** Mean of the per-class scores (counts summed); NaN scores skipped. */
  readonly classAveraged: TrackingScores;
}

interface ClassTotals {
  hota: HotaSums;
  clear: ClearCounts;
  identity: IdentityCounts;
  dets: number;
}

/** Sequence key of a stem `<city>_<seq>_<frame>`. */
export function sequenceOf(stem: string): string {
  return stem.replace(/_\d{6}$/, "");
}

export class TrackingAccumulator {
  private current: SequenceBuilder | undefined;
  private readonly totals = new Map<number, ClassTotals>();
  sequences = 0;
  readonly minGtArea: number;

  constructor(options: TrackingOptions = {}) {
    const m = options.minGtArea ?? DEFAULT_MIN_GT_AREA;
    if (!(m >= 0 && Number.isFinite(m)))
      throw new RangeError(`minGtArea must be a finite number ≥ 0, got ${m}`);
    this.minGtArea = m;
  }

  /** Adds one frame (frames of a sequence in order, sequences contiguous). */
  add(stem: string, gt: Uint16Array, preds: readonly PredInstance[]): void {
    const seq = sequenceOf(stem);
    if (this.current?.name !== seq) {
      this.finishSequence();
      this.current = new SequenceBuilder(seq, this.minGtArea);
    }
    this.current.add(gt, preds);
  }

  private finishSequence(): void {
    const s = this.current;
    if (s === undefined) return;
    this.current = undefined;
    this.sequences++;
    for (const cs of s.classes.values()) {
      if (cs.frames.length === 0) continue;
      this.addClass(cs);
    }
  }

  private addClass(cs: ClassSequence): void {
    let t = this.totals.get(cs.labelId);
    if (t === undefined) {
      t = { hota: emptyHotaSums(), clear: emptyClear(), identity: { idtp: 0, idfn: 0, idfp: 0 }, dets: 0 };
      this.totals.set(cs.labelId, t);
    }
    const te = cs.frames.map(removeIgnoredTrackEval);
    const mt = cs.frames.map(removeIgnoredMotsTools);
    addHotaSums(t.hota, hotaSequence(te, cs.numGt, cs.numTr));
    addClear(t.clear, clearSequence(mt, cs.numGt));
    const id = identitySequence(te, cs.numGt, cs.numTr);
    t.identity.idtp += id.idtp;
    t.identity.idfn += id.idfn;
    t.identity.idfp += id.idfp;
    for (const f of te) t.dets += f.gt.length + f.tr.length;
  }

  result(): TrackingResult {
    this.finishSequence();
    const classes: Record<string, TrackingScores> = {};
    const all: TrackingScores[] = [];
    const sum = { hota: emptyHotaSums(), clear: emptyClear(), identity: { idtp: 0, idfn: 0, idfp: 0 } };
    for (const [labelId, t] of [...this.totals].sort((a, b) => a[0] - b[0])) {
      if (t.dets === 0 && t.clear.gt === 0) continue;
      const scores = finalScores(t);
      classes[labelById(labelId)?.name ?? String(labelId)] = scores;
      all.push(scores);
      addHotaSums(sum.hota, t.hota);
      addClear(sum.clear, t.clear);
      sum.identity.idtp += t.identity.idtp;
      sum.identity.idfn += t.identity.idfn;
      sum.identity.idfp += t.identity.idfp;
    }
    return {
      sequences: this.sequences,
      minGtArea: this.minGtArea,
      classes,
      detAveraged: finalScores(sum),
      classAveraged: classMean(all, sum),
    };
  }
}

function finalScores(t: Omit<ClassTotals, "dets">): TrackingScores {
  return { hota: hotaScores(t.hota), clear: clearScores(t.clear), identity: identityScores(t.identity) };
}

function meanOf<T extends object>(list: readonly T[], base: T): T {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(base)) {
    if (typeof v !== "number") continue;
    const vals = list.map((x) => (x as Record<string, number>)[k]!).filter((x) => !Number.isNaN(x));
    out[k] = vals.length === 0 ? NaN : vals.reduce((a, b) => a + b, 0) / vals.length;
  }
  return out as T;
}

/** Scores: mean over classes; count fields: the sums. */
function classMean(list: readonly TrackingScores[], sum: Omit<ClassTotals, "dets">): TrackingScores {
  const det = finalScores(sum);
  return {
    hota: meanOf(
      list.map((s) => s.hota),
      det.hota,
    ),
    clear: {
      ...det.clear,
      ...pick(
        meanOf(
          list.map((s) => s.clear),
          det.clear,
        ),
        ["motsa", "smotsa", "motsp"],
      ),
    },
    identity: {
      ...det.identity,
      ...pick(
        meanOf(
          list.map((s) => s.identity),
          det.identity,
        ),
        ["idf1", "idr", "idp"],
      ),
    },
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = o[k];
  return out;
}
