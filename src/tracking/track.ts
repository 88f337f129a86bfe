/**
 * One track: Kalman state on its box, its last mask, class and lifecycle (specs/06 §1).
 */
import {
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  xyahToXyxy,
  xyxyToXyah,
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

  /** Advances the Kalman state `dt` reference frames; non-tracked tracks stop growing/shrinking (vh = 0). */
  predict(dt: number): void {
    if (this.state !== "tracked") this.kalman.mean[7] = 0;
    kalmanPredict(this.kalman, dt);
    xyahToXyxy(this.kalman.mean, this.box);
  }

  /** Integer shift that moves the last mask to the predicted position. */
  maskShiftX(): number {
    return Math.round(this.kalman.mean[0]! - this.maskCx);
  }

  maskShiftY(): number {
    return Math.round(this.kalman.mean[1]! - this.maskCy);
  }

  /** Matched with a detection: Kalman update, new mask, state becomes `tracked`. */
  update(
    box: ArrayLike<number>,
    boxOffset: number,
    score: number,
    mask: SpanMask | null,
    nowS: number,
  ): void {
    kalmanUpdate(
      this.kalman,
      xyxyToXyah(box[boxOffset]!, box[boxOffset + 1]!, box[boxOffset + 2]!, box[boxOffset + 3]!, MEAS),
    );
    this.state = "tracked";
    this.score = score;
    if (mask !== null) {
      this.mask = mask;
      this.maskCx = this.kalman.mean[0]!;
      this.maskCy = this.kalman.mean[1]!;
    }
    this.lastSeenS = nowS;
    this.hits++;
    xyahToXyxy(this.kalman.mean, this.box);
  }
}
