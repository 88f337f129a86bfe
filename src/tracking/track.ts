/**
 * One track: Kalman state on its box, its last mask, class and lifecycle (specs/06 §1).
 */
import {
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  xyahToXyxy,
  xyxyToXyah,
  STD_WEIGHT_POSITION,
  type KalmanState,
} from "./kalman.js";
import type { SpanMask } from "./similarity.js";

/**
 * - `new`: born from one detection, not yet confirmed (must match in the next frame or is removed);
 * - `tracked`: matched in the latest frame;
 * - `lost`: not matched lately; may come back with its id within the lost-track buffer;
 * - `removed`: gone for good (its id is never reused).
 */
export type TrackState = "new" | "tracked" | "lost" | "removed";

const MEAS = new Float64Array(4);
const CENTRE = new Float64Array(4);
/** The smallest predicted box height (px). */
export const MIN_HEIGHT_PX = 1;
/** A detection smaller than this fraction of the track's height (or width) is a fragment. */
const FRAGMENT_RATIO = 0.6;

export class Track {
  state: TrackState;
  readonly kalman: KalmanState;
  score: number;
  /** Last matched detection's mask (row spans) and the Kalman centre right after that match. */
  mask: SpanMask | null;
  maskCx: number;
  maskCy: number;
  /** Tracker clock (seconds) of the first and the latest match. */
  readonly startS: number;
  lastSeenS: number;
  /** Number of frames with a matched detection. */
  hits = 1;
  /** Consecutive frames without a match while `new` (an unconfirmed track gets a second chance). */
  misses = 0;
  /** Consecutive frames without a match (any state). */
  lostFrames = 0;
  /**
   * Appearance descriptor (see appearance.ts): a running blend of the matched detections'
   * descriptors; null until a match came with one.
   */
  appearance: Float32Array | null = null;
  /** Predicted box x1, y1, x2, y2 (refreshed by `predict` and `update`). */
  readonly box = new Float64Array(4);

  constructor(
    readonly id: number,
    readonly classId: number,
    box: ArrayLike<number>,
    boxOffset: number,
    score: number,
    mask: SpanMask | null,
    nowS: number,
    confirmed: boolean,
  ) {
    this.kalman = kalmanInitiate(
      xyxyToXyah(box[boxOffset]!, box[boxOffset + 1]!, box[boxOffset + 2]!, box[boxOffset + 3]!),
    );
    this.state = confirmed ? "tracked" : "new";
    this.score = score;
    this.mask = mask;
    this.maskCx = this.kalman.mean[0]!;
    this.maskCy = this.kalman.mean[1]!;
    this.startS = nowS;
    this.lastSeenS = nowS;
    xyahToXyxy(this.kalman.mean, this.box);
  }

  /**
   * Advances the Kalman state `dt` reference frames; non-tracked tracks stop growing/shrinking
   * (vh = 0), and the height never drops below MIN_HEIGHT_PX (an object leaving the view shrinks
   * fast; one frame of that rate predicted past its last detection gave negative heights).
   */
  predict(dt: number): void {
    const m = this.kalman.mean;
    if (this.state !== "tracked") m[7] = 0;
    kalmanPredict(this.kalman, dt);
    if (!(m[3]! >= MIN_HEIGHT_PX)) {
      m[3] = MIN_HEIGHT_PX;
      if (m[7]! < 0) m[7] = 0;
    }
    xyahToXyxy(m, this.box);
  }

  /**
   * Squared Mahalanobis distance of the centre of box (x1, y1, x2, y2) at `o` from the predicted
   * centre, under the innovation covariance of (cx, cy): the predicted position covariance plus
   * the measurement noise (σp·h)² (specs/06 §1). χ²-distributed with 2 degrees of freedom for a
   * detection of this track (99 % below 9.21). Grows slowly with the time a track has been
   * lost, since the position covariance does.
   */
  centreDistance2(box: ArrayLike<number>, o: number): number {
    const P = this.kalman.covariance;
    const m = this.kalman.mean;
    const r = STD_WEIGHT_POSITION * m[3]!;
    const a = P[0]! + r * r;
    const b = P[1]!;
    const d = P[9]! + r * r;
    const det = a * d - b * b;
    if (!(det > 0)) return Infinity;
    xyxyToXyah(box[o]!, box[o + 1]!, box[o + 2]!, box[o + 3]!, CENTRE);
    const dx = CENTRE[0]! - m[0]!;
    const dy = CENTRE[1]! - m[1]!;
    return (d * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
  }

  /** Integer shift that moves the last mask to the predicted position. */
  maskShiftX(): number {
    return Math.round(this.kalman.mean[0]! - this.maskCx);
  }

  maskShiftY(): number {
    return Math.round(this.kalman.mean[1]! - this.maskCy);
  }

  /**
   * Matched with a detection: Kalman update, new mask, state becomes `tracked`. `dtFrames`: the
   * reference frames since the last match; on the first match (a track born one detection ago)
   * the velocity is set from the two detections' centres, since the birth state has none and
   * one Kalman update only recovers a fraction of it — per axis, and only where the two
   * detections' extents agree (neither below `FRAGMENT_RATIO` of the other): the centre of a
   * partly occluded object moves with the occluder's edge, not with the object (that velocity
   * is left 0).
   *
   * A fragment (the detection's height below `FRAGMENT_RATIO` × the track's height: an object
   * partly occluded, its visible mask split) updates the centre only along the axes whose
   * extent is kept and does not shrink the Kalman height/aspect.
   */
  update(
    box: ArrayLike<number>,
    boxOffset: number,
    score: number,
    mask: SpanMask | null,
    nowS: number,
    dtFrames = 0,
  ): void {
    const m = this.kalman.mean;
    xyxyToXyah(box[boxOffset]!, box[boxOffset + 1]!, box[boxOffset + 2]!, box[boxOffset + 3]!, MEAS);
    const first = this.hits === 1 && dtFrames > 0;
    const birthX = this.maskCx;
    const birthY = this.maskCy;
    const birthH = m[3]!;
    const birthW = m[2]! * birthH;
    if (!first && this.hits >= 3) {
      const h = m[3]!;
      const w = m[2]! * h;
      const mh = MEAS[3]!;
      const mw = MEAS[2]! * mh;
      if (mh < FRAGMENT_RATIO * h || mw < FRAGMENT_RATIO * w) {
        // Keep the predicted size; move the centre only on axes whose extent is plausible.
        if (mh < FRAGMENT_RATIO * h) MEAS[1] = m[1]!;
        if (mw < FRAGMENT_RATIO * w) MEAS[0] = m[0]!;
        MEAS[2] = m[2]!;
        MEAS[3] = h;
      }
    }
    kalmanUpdate(this.kalman, MEAS);
    if (first) {
      const mh = MEAS[3]!;
      const mw = MEAS[2]! * mh;
      m[4] = extentsAgree(mw, birthW) ? (MEAS[0]! - birthX) / dtFrames : 0;
      m[5] = extentsAgree(mh, birthH) ? (MEAS[1]! - birthY) / dtFrames : 0;
    }
    this.state = "tracked";
    this.score = score;
    if (mask !== null) {
      this.mask = mask;
      this.maskCx = this.kalman.mean[0]!;
      this.maskCy = this.kalman.mean[1]!;
    }
    this.lastSeenS = nowS;
    this.lostFrames = 0;
    this.hits++;
    xyahToXyxy(this.kalman.mean, this.box);
  }
}

/** Whether two extents (widths or heights) agree: the smaller is at least FRAGMENT_RATIO of the larger. */
function extentsAgree(a: number, b: number): boolean {
  return Math.min(a, b) >= FRAGMENT_RATIO * Math.max(a, b);
}
