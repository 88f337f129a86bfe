/**
 * Pinhole camera over the road. World coordinates are road-relative: `s` metres along the
 * road centreline, `d` metres to its right, `h` metres up. The road bends; the camera
 * looks along the road tangent at its own `s`, so a point's lateral position in camera
 * space is `d + bend(z) − dCam`, where `bend` integrates the curvature ahead (a table per
 * frame). Camera axes: x right, y down, z forward; the camera is pitched down by `pitch`.
 */
export interface Intrinsics {
  readonly width: number;
  readonly height: number;
  readonly fx: number;
  readonly fy: number;
  readonly u0: number;
  readonly v0: number;
}

/** Cityscapes-like field of view (fx ≈ 2262 px at 2048 px width, ≈ 49° horizontal). */
export function defaultIntrinsics(width: number, height: number): Intrinsics {
  const fx = width * (2262 / 2048);
  return { width, height, fx, fy: fx, u0: width / 2, v0: height / 2 };
}

export interface CameraPose {
  /** Position along the road (m). */
  readonly s: number;
  /** Lateral position (m, right of the centreline). */
  readonly d: number;
  /** Height above the ground (m). */
  readonly height: number;
  /** Downward pitch (rad). */
  readonly pitch: number;
}

/** Nearest depth drawn (m); polygons are clipped against it. */
export const NEAR = 0.25;
const BEND_MIN = -80;
const BEND_MAX = 1200;

/** Projects road-frame points into the image for one camera pose. Reused across frames. */
export class Projector {
  readonly intr: Intrinsics;
  pose: CameraPose = { s: 0, d: 0, height: 1.5, pitch: 0 };
  cosP = 1;
  sinP = 0;
  /** Camera-space result of the last `toCamera` call. */
  cx = 0;
  cy = 0;
  cz = 0;
  private readonly bend = new Float64Array(BEND_MAX - BEND_MIN + 1);

  constructor(intr: Intrinsics) {
    this.intr = intr;
  }

  /** Sets the pose; `curvature(s)` is the road curvature (1/m) at `s`. */
  setPose(pose: CameraPose, curvature: (s: number) => number): void {
    this.pose = pose;
    this.cosP = Math.cos(pose.pitch);
    this.sinP = Math.sin(pose.pitch);
    const b = this.bend;
    const i0 = -BEND_MIN;
    b[i0] = 0;
    // forward: heading relative to the camera integrates curvature, offset integrates heading
    let theta = 0;
    let off = 0;
    for (let z = 1; z <= BEND_MAX; z++) {
      const k = curvature(pose.s + z - 0.5);
      off += theta + 0.5 * k;
      theta += k;
      b[i0 + z] = off;
    }
    theta = 0;
    off = 0;
    for (let z = -1; z >= BEND_MIN; z--) {
      const k = curvature(pose.s + z + 0.5);
      theta -= k;
      off -= theta + 0.5 * k;
      b[i0 + z] = off;
    }
  }

  /** Lateral offset (m) of the road centreline at forward distance `z`, relative to the camera's tangent. */
  bendAt(z: number): number {
    const f = z < BEND_MIN ? 0 : z > BEND_MAX - 1 ? BEND_MAX - 1 - BEND_MIN : z - BEND_MIN;
    const i = Math.floor(f);
    const a = f - i;
    const b = this.bend;
    return b[i]! * (1 - a) + b[i + 1 < b.length ? i + 1 : i]! * a;
  }

  /** Road-frame point → camera space (`cx`, `cy`, `cz`). */
  toCamera(s: number, d: number, h: number): void {
    const z = s - this.pose.s;
    const x = d + this.bendAt(z) - this.pose.d;
    const y = h - this.pose.height;
    this.cx = x;
    this.cy = -y * this.cosP - z * this.sinP;
    this.cz = -y * this.sinP + z * this.cosP;
  }

  /** Image row of the horizon (may be fractional or off-image). */
  horizonRow(): number {
    return this.intr.v0 - this.intr.fy * Math.tan(this.pose.pitch);
  }
}
