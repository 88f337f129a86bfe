/**
 * The tracker's options: what each one means, the one defaults object, and their validation
 * (RangeError naming the bad key and value). `DEFAULT_CONFIG.tracking` reads its defaults here.
 */
import { DEFAULT_COMPONENT_OPTIONS, type ComponentOptions } from "./components.js";
import type { OverlapWinner } from "./overlaps.js";

export interface TrackerOptions {
  /** Detections at or above this score take part in the first association stage. */
  readonly highScoreThreshold: number;
  /** Detections in [low, high) only continue tracked tracks (BYTE stage 2); below are dropped. */
  readonly lowScoreThreshold: number;
  /** An unmatched high detection starts a new track only at or above this score. */
  readonly newTrackThreshold: number;
  /** Minimum similarity (score-fused when `fuseScore`) for a stage-1 match. ByteTrack: 1 − match_thresh. */
  readonly matchThreshold: number;
  /** How long (seconds of stream time) a lost track may come back with its old id. */
  readonly lostTrackBufferSeconds: number;
  /** Weight of mask IoU versus Kalman-predicted box IoU in the similarity (0 = boxes only). */
  readonly maskIouWeight: number;
  /** When a result has a semantic map and no instances: instances from connected components. */
  readonly instancesFromSemantic: boolean;
  /** Connected-component options for `instancesFromSemantic`. */
  readonly components: ComponentOptions;
  /**
   * Minimum similarity (not score-fused) for a low-score detection to continue a tracked track
   * (BYTE's second stage). ByteTrack uses box IoU > 0.5; 0.4 here because the blended mask IoU
   * of a pair is usually lower than its box IoU.
   */
  readonly lowScoreMatchThreshold: number;
  /** Minimum similarity for confirming a new track in its second frame. ByteTrack: 1 − 0.7. */
  readonly unconfirmedMatchThreshold: number;
  /**
   * Multiply similarities by the detection score, in the admission of high detections and in
   * the assignment cost of all pairs (ByteTrack's fuse_score).
   */
  readonly fuseScore: boolean;
  /**
   * The frame rate the Kalman noise constants are tuned for (ByteTrack: 30 Hz). The filter
   * steps Δt·referenceFrameRate reference frames; a stream whose stamps do not advance is
   * clocked at this rate.
   */
  readonly referenceFrameRate: number;
  /** Make output masks disjoint (who keeps a shared pixel: `overlapWinner`). */
  readonly resolveOverlaps: boolean;
  /**
   * Who keeps a pixel two output masks share (overlaps.ts): `"smaller"` — among detections
   * scoring ≥ `highScoreThreshold` the smaller mask (a large object's mask spills over its
   * smaller neighbours; measured on the bundled YOLACT: IDF1 +1.9 / +0.4 points, HOTA +1.6 /
   * +0.7 on seeds 9100 / 9200), low-score ones after them by score — or `"score"`, the higher
   * score (ByteTrack/MOTS convention).
   */
  readonly overlapWinner: OverlapWinner;
  /**
   * Weight of the centre-proximity similarity (1 − centre distance / mean box size, ≥ 0), the
   * floor of the similarity: keeps it informative for thin or fast objects whose predicted and
   * detected boxes barely overlap (box and mask IoU near 0). 0 disables it.
   */
  readonly proximityWeight: number;
  /**
   * Frames an unconfirmed (new) track may go unmatched before it is removed. ByteTrack: 0.
   * 2 here: a detector that misses a young object twice (or scores it low twice: low
   * detections do not confirm) would otherwise give it a new id on its next detection.
   */
  readonly unconfirmedMaxMisses: number;
  /**
   * For up to this many consecutive unmatched frames, a track with ≥ 3 hits is output
   * with its last mask moved to the Kalman-predicted position (a missed detection bridged
   * online); 0 = only matched detections are output (ByteTrack).
   */
  readonly coastFrames: number;
  /**
   * Lost-track recovery gate: squared Mahalanobis distance (2 degrees of freedom) of a
   * detection's centre from a lost track's Kalman prediction below which a high detection that
   * matched nothing else re-finds the track instead of starting a new one (an object back from
   * an occlusion too long for its box or mask to overlap the prediction). 9.21 = the χ² 99 %
   * quantile; 0 disables recovery (ByteTrack).
   */
  readonly recoveryGate: number;
  /**
   * Appearance (colour histograms under the masks, see appearance.ts; used only when the
   * tracker is given the frame's pixels): a track and a detection whose descriptors are both
   * known and whose similarity (Bhattacharyya, 0–1) is below this are never matched. Measured
   * on the synthetic city: the same object from frame to frame 0.87 (1st percentile), 0.99
   * (median); other objects of the same class 0.77 (median). 0.85 was the best of 0.7–0.9 on
   * degraded-GT sequences of four seeds and on the bundled YOLACT's three held-out tracking sets.
   * 0 disables appearance entirely.
   */
  readonly appearanceMinSimilarity: number;
  /**
   * Lost-track recovery by appearance: a lost track and a detection at least this similar may
   * be matched within the wider gate `appearanceRecoveryGate` (an object back from an
   * occlusion further from its prediction than `recoveryGate` allows).
   */
  readonly appearanceRecoverySimilarity: number;
  /**
   * Squared Mahalanobis gate (see `recoveryGate`) for recovery by appearance; 0 disables it, and
   * so does `appearanceMinSimilarity` 0 (no appearance at all).
   */
  readonly appearanceRecoveryGate: number;
  /** Weight of the track's own descriptor when a match blends in the detection's (0–1). */
  readonly appearanceMomentum: number;
}

/** The one defaults object (shared keys equal `DEFAULT_CONFIG.tracking`). */
export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = Object.freeze({
  highScoreThreshold: 0.5,
  lowScoreThreshold: 0.1,
  newTrackThreshold: 0.6,
  matchThreshold: 0.2,
  lostTrackBufferSeconds: 1.5,
  maskIouWeight: 0.5,
  instancesFromSemantic: false,
  components: DEFAULT_COMPONENT_OPTIONS,
  lowScoreMatchThreshold: 0.4,
  unconfirmedMatchThreshold: 0.1,
  fuseScore: true,
  referenceFrameRate: 30,
  resolveOverlaps: true,
  overlapWinner: "smaller",
  proximityWeight: 1,
  unconfirmedMaxMisses: 2,
  coastFrames: 1,
  recoveryGate: 9.21,
  appearanceMinSimilarity: 0.85,
  appearanceRecoverySimilarity: 0.93,
  appearanceRecoveryGate: 36.8,
  appearanceMomentum: 0.8,
});

/** Lost-track recovery: minimum hits of the track (a velocity estimated from several frames). */
export const RECOVERY_MIN_HITS = 3;
/** Lost-track recovery: the detection's height is within this factor of the track's. */
export const RECOVERY_MAX_SCALE = 2;
/** A coasted mask must keep at least this fraction of its area inside the frame. */
export const COAST_MIN_VISIBLE = 0.9;

export type TrackerOptionsInit = Partial<Omit<TrackerOptions, "components">> & {
  readonly components?: Partial<ComponentOptions>;
};

/** Validates and completes tracker options; throws RangeError naming the bad key. */
export function trackerOptions(init: TrackerOptionsInit = {}): TrackerOptions {
  const o: TrackerOptions = {
    ...DEFAULT_TRACKER_OPTIONS,
    ...init,
    components: { ...DEFAULT_TRACKER_OPTIONS.components, ...(init.components ?? {}) },
  };
  const unit = [
    "highScoreThreshold",
    "lowScoreThreshold",
    "newTrackThreshold",
    "matchThreshold",
    "maskIouWeight",
    "lowScoreMatchThreshold",
    "unconfirmedMatchThreshold",
    "proximityWeight",
    "appearanceMinSimilarity",
    "appearanceRecoverySimilarity",
    "appearanceMomentum",
  ] as const;
  for (const k of unit) {
    const v = o[k];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`tracking.${k} must be in [0, 1], got ${v}`);
  }
  if (!(o.lostTrackBufferSeconds >= 0)) {
    throw new RangeError(`tracking.lostTrackBufferSeconds must be ≥ 0, got ${o.lostTrackBufferSeconds}`);
  }
  if (!(Number.isInteger(o.unconfirmedMaxMisses) && o.unconfirmedMaxMisses >= 0)) {
    throw new RangeError(
      `tracking.unconfirmedMaxMisses must be an integer ≥ 0, got ${o.unconfirmedMaxMisses}`,
    );
  }
  for (const k of ["recoveryGate", "appearanceRecoveryGate"] as const) {
    if (!(o[k] >= 0 && Number.isFinite(o[k]))) {
      throw new RangeError(`tracking.${k} must be a finite number ≥ 0, got ${o[k]}`);
    }
  }
  if (o.overlapWinner !== "smaller" && o.overlapWinner !== "score") {
    throw new RangeError(
      `tracking.overlapWinner must be "smaller" or "score", got ${String(o.overlapWinner)}`,
    );
  }
  if (!(o.referenceFrameRate > 0)) {
    throw new RangeError(`tracking.referenceFrameRate must be > 0, got ${o.referenceFrameRate}`);
  }
  return Object.freeze(o);
}

/**
 * Whether a tracker with these options reads appearance descriptors: `appearanceMinSimilarity`
 * > 0 (0 turns appearance off, the recovery by appearance with it).
 */
export function usesAppearance(o: TrackerOptions): boolean {
  return o.appearanceMinSimilarity > 0;
}
