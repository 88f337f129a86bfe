/**
 * Constant-velocity Kalman filter on boxes, exactly ByteTrack's (specs/06 §1, DeepSORT-style):
 *
 *   state (8):       cx, cy, a, h, vcx, vcy, va, vh   (a = w / h)
 *   measurement (4): cx, cy, a, h
 *   σp = 1/20, σv = 1/160, noise standard deviations relative to the box height.
 *
 * Time step: `dt` is measured in reference frames (ByteTrack's dt = 1 frame ≡ `dt = 1`, and
 * every value then equals the reference implementation). The tracker passes
 * `dt = Δt[s] · referenceFrameRate`, so velocities stay "per reference frame" while real frame
 * intervals (dropped frames, 17 Hz replays, jittery live sources) are honoured: the transition
 * uses `x += v·dt` and the process noise variances grow linearly with dt (a random walk),
 * i.e. Q(dt) = dt · Q(1).
 *
 * Means are Float64Array(8); covariances row-major Float64Array(64). Functions write in place.
 */

export const STD_WEIGHT_POSITION = 1 / 20;
export const STD_WEIGHT_VELOCITY = 1 / 160;

export interface KalmanState {
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
}

/** x1, y1, x2, y2 → cx, cy, a, h. */
export function xyxyToXyah(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  out = new Float64Array(4),
): Float64Array {
  const w = x2 - x1;
  const h = y2 - y1;
  out[0] = x1 + w / 2;
  out[1] = y1 + h / 2;
  out[2] = h > 0 ? w / h : 0;
  out[3] = h;
  return out;
}

/** cx, cy, a, h (first four entries of `xyah`) → x1, y1, x2, y2. */
export function xyahToXyxy(xyah: ArrayLike<number>, out = new Float64Array(4)): Float64Array {
  const h = xyah[3]!;
  const w = xyah[2]! * h;
  out[0] = xyah[0]! - w / 2;
  out[1] = xyah[1]! - h / 2;
  out[2] = out[0] + w;
  out[3] = out[1] + h;
  return out;
}

/** A new track's state from its first measurement (cx, cy, a, h). */
export function kalmanInitiate(measurement: ArrayLike<number>): KalmanState {
  const mean = new Float64Array(8);
  for (let k = 0; k < 4; k++) mean[k] = measurement[k]!;
  const h = measurement[3]!;
  const sp = STD_WEIGHT_POSITION;
  const sv = STD_WEIGHT_VELOCITY;
  const std = [2 * sp * h, 2 * sp * h, 1e-2, 2 * sp * h, 10 * sv * h, 10 * sv * h, 1e-5, 10 * sv * h];
  const covariance = new Float64Array(64);
  for (let k = 0; k < 8; k++) covariance[k * 9] = std[k]! * std[k]!;
  return { mean, covariance };
}

/** Predicts `dt` reference frames ahead (in place). */
export function kalmanPredict(state: KalmanState, dt = 1): void {
  const { mean, covariance: P } = state;
  const h = mean[3]!;
  const sp = STD_WEIGHT_POSITION * h;
  const sv = STD_WEIGHT_VELOCITY * h;
  // x = F x, F = [[I, dt·I], [0, I]]
  for (let k = 0; k < 4; k++) mean[k]! += dt * mean[k + 4]!;
  // P = F P Fᵀ + Q. With F = I + dt·E (E maps velocity rows onto position rows):
  // first rows: P[i][:] += dt·P[i+4][:] for i < 4, then columns likewise.
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 8; j++) P[i * 8 + j]! += dt * P[(i + 4) * 8 + j]!;
  }
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 8; i++) P[i * 8 + j]! += dt * P[i * 8 + j + 4]!;
  }
  const q = [sp, sp, 1e-2, sp, sv, sv, 1e-5, sv];
  for (let k = 0; k < 8; k++) P[k * 9]! += dt * q[k]! * q[k]!;
}

/**
 * Kalman update with a measurement (cx, cy, a, h), in place: innovation covariance
 * S = H P Hᵀ + R, gain K = P Hᵀ S⁻¹ (Cholesky solve), x += K (z − Hx), P −= K S Kᵀ.
 */
// Scratch buffers for kalmanUpdate (single-threaded; no allocation per update).
const S = new Float64Array(16);
const L = new Float64Array(16);
const K = new Float64Array(32);
const Y = new Float64Array(4);
const INNOV = new Float64Array(4);
const PHT = new Float64Array(32);
const R = new Float64Array(4);

export function kalmanUpdate(state: KalmanState, measurement: ArrayLike<number>): void {
  const { mean, covariance: P } = state;
  const h = mean[3]!;
  const sp = STD_WEIGHT_POSITION * h;
  const r = R;
  r[0] = sp;
  r[1] = sp;
  r[2] = 1e-1;
  r[3] = sp;
  // S = P[0:4, 0:4] + R
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) S[i * 4 + j] = P[i * 8 + j]!;
    S[i * 5]! += r[i]! * r[i]!;
  }
  // Cholesky S = L Lᵀ.
  L.fill(0);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[i * 4 + j]!;
      for (let k = 0; k < j; k++) s -= L[i * 4 + k]! * L[j * 4 + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`Kalman innovation covariance is not positive definite (${s})`);
        L[i * 4 + i] = Math.sqrt(s);
      } else {
        L[i * 4 + j] = s / L[j * 4 + j]!;
      }
    }
  }
  // K (8×4) solves K S = P Hᵀ, i.e. S Kᵀ = H P (S symmetric). For each row n of K: S k = PHᵀ[n].
  const y = Y;
  for (let n = 0; n < 8; n++) {
    for (let i = 0; i < 4; i++) {
      let s = P[n * 8 + i]!;
      for (let k = 0; k < i; k++) s -= L[i * 4 + k]! * y[k]!;
      y[i] = s / L[i * 5]!;
    }
    for (let i = 3; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < 4; k++) s -= L[k * 4 + i]! * K[n * 4 + k]!;
      K[n * 4 + i] = s / L[i * 5]!;
    }
  }
  const innov = INNOV;
  for (let i = 0; i < 4; i++) innov[i] = measurement[i]! - mean[i]!;
  for (let n = 0; n < 8; n++) {
    let s = 0;
    for (let i = 0; i < 4; i++) s += K[n * 4 + i]! * innov[i]!;
    mean[n]! += s;
  }
  // P −= K S Kᵀ; K S = P Hᵀ, so K S Kᵀ = (P Hᵀ) Kᵀ.
  const PHt = PHT;
  for (let n = 0; n < 8; n++) for (let i = 0; i < 4; i++) PHt[n * 4 + i] = P[n * 8 + i]!;
  for (let a = 0; a < 8; a++) {
    for (let b = 0; b < 8; b++) {
      let s = 0;
      for (let i = 0; i < 4; i++) s += PHt[a * 4 + i]! * K[b * 4 + i]!;
      P[a * 8 + b]! -= s;
    }
  }
}
