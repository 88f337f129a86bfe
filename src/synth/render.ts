import { actorPose, newPose, type ActorPose } from "./actors.js";
import { Projector, type CameraPose, type Intrinsics } from "./camera.js";
import { drawActor, drawStatic } from "./models.js";
import { FAR, Painter, mixColor, scaleColor } from "./painter.js";
import { clearTarget, createTarget, type RenderTarget } from "./raster.js";
import { curvatureAt, egoS, type World } from "./world.js";

/**
 * Renders one frame of a world: objects and actors with a depth test, then the ground
 * (per-row ray cast against the ground plane) and the sky into every pixel still empty.
 * Writes rgb (before appearance effects), labelIds and instanceIds that agree everywhere.
 */
const ROAD = 7;
const SIDEWALK = 8;
const TERRAIN = 22;
const SKY = 23;

export class Renderer {
  readonly target: RenderTarget;
  readonly proj: Projector;
  private readonly painter: Painter;
  private readonly pose: ActorPose = newPose();
  private readonly lines = new Float64Array(32);
  private readonly curvature: (s: number) => number;

  constructor(
    readonly world: World,
    readonly intr: Intrinsics,
  ) {
    this.target = createTarget(intr.width, intr.height);
    this.proj = new Projector(intr);
    this.painter = new Painter(this.target, this.proj);
    const road = world.road;
    this.curvature = (s) => curvatureAt(road, s);
    const look = world.look;
    const [ls, ld, lh] = look.sun;
    const n = Math.hypot(ls, ld, lh);
    this.painter.lightS = ls / n;
    this.painter.lightD = ld / n;
    this.painter.lightH = lh / n;
    this.painter.fogDist = look.fogDist;
    this.painter.fogColor = look.skyHorizon;
  }

  /** Camera pose at time t: the ego lane centre, a slight sway and pitch bounce. */
  cameraPose(t: number): CameraPose {
    const w = this.world;
    const phase = (w.seed % 1000) / 159;
    return {
      s: egoS(w, t),
      d: (w.egoLane + 0.5) * w.road.laneWidth + 0.12 * Math.sin(0.6 * t + phase),
      height: w.cameraHeight,
      pitch: w.pitch + 0.004 * Math.sin(2 * Math.PI * 1.1 * t + phase),
    };
  }

  /** Renders the frame at time t into `this.target`. */
  render(t: number): CameraPose {
    const pose = this.cameraPose(t);
    this.proj.setPose(pose, this.curvature);
    const tg = this.target;
    tg.mask = null;
    clearTarget(tg);
    this.drawObjects(t, pose.s, -1);
    this.drawGround(pose);
    return pose;
  }

  /**
   * Marks in `mask` (W·H bytes, set to 1) every pixel covered by actor `index` at time t
   * as if nothing else were in the scene: its full silhouette.
   */
  silhouette(t: number, index: number, mask: Uint8Array): void {
    const pose = this.cameraPose(t);
    this.proj.setPose(pose, this.curvature);
    mask.fill(0);
    this.target.mask = mask;
    this.drawObjects(t, pose.s, index);
    this.target.mask = null;
  }

  private drawObjects(t: number, sCam: number, only: number): void {
    const p = this.painter;
    const w = this.world;
    if (only < 0) {
      const lit = w.look.skyHorizon === 0xf0c090;
      const st = w.statics;
      // binary search the first object that may reach the camera (objects are ≤ 30 m long)
      let lo = 0;
      let hi = st.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (st[mid]!.s0 < sCam - 40) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < st.length; i++) {
        const o = st[i]!;
        if (o.s0 > sCam + FAR) break;
        if (o.s1 < sCam - 2) continue;
        drawStatic(p, o, sCam, lit);
      }
    }
    const q = this.pose;
    const actors = w.actors;
    for (let i = 0; i < actors.length; i++) {
      if (only >= 0 && i !== only) continue;
      const a = actors[i]!;
      actorPose(a, t, q);
      const rel = q.s - sCam;
      if (rel < -15 || rel > FAR) continue;
      drawActor(p, a, q, w.road);
    }
  }

  private drawGround(pose: CameraPose): void {
    const { width: W, height: H, fx, fy, u0, v0 } = this.intr;
    const tg = this.target;
    const zb = tg.invDepth;
    const lab = tg.labelIds;
    const ins = tg.instanceIds;
    const rgb = tg.rgb;
    const proj = this.proj;
    const w = this.world;
    const road = w.road;
    const look = w.look;
    const cosP = proj.cosP;
    const sinP = proj.sinP;
    const hz = proj.horizonRow();
    const [L, R] = road.sides;
    const l0 = L.edges[0];
    const l1 = L.edges[1];
    const l2 = L.edges[2];
    const l3 = L.edges[3];
    const r0 = R.edges[0];
    const r1 = R.edges[1];
    const r2 = R.edges[2];
    const r3 = R.edges[3];
    const lw = road.laneWidth;
    const lanes = road.lanesPerDir;
    const fog = this.painter.fogColor;
    const fogDist = this.painter.fogDist;
    const lines = this.lines;
    const cw = road.crosswalks;
    const crossHalf = lanes * lw;
    for (let y = 0; y < H; y++) {
      const yc = (y + 0.5 - v0) / fy;
      const denom = yc * cosP + sinP;
      const row = y * W;
      if (denom <= 1e-5) {
        // sky
        let f = (hz - y) / (0.7 * H);
        f = f < 0 ? 0 : f > 1 ? 1 : Math.sqrt(f);
        const c = mixColor(look.skyHorizon, look.skyTop, f);
        const cr = (c >> 16) & 255;
        const cg = (c >> 8) & 255;
        const cb = c & 255;
        for (let o = row; o < row + W; o++) {
          if (zb[o] !== 0) continue;
          lab[o] = SKY;
          ins[o] = SKY;
          rgb[3 * o] = cr;
          rgb[3 * o + 1] = cg;
          rgb[3 * o + 2] = cb;
        }
        continue;
      }
      const t = pose.height / denom;
      const Z = t * (cosP - yc * sinP);
      const s = pose.s + Z;
      const bend = proj.bendAt(Z);
      const dStep = t / fx;
      const dA = (0.5 - u0) * dStep - bend + pose.d;
      const fogF = 1 - Math.exp(-t / fogDist);
      const detail = t < 45;
      // lane markings active on this row: centre, lane lines (dashed), parking edge (dashed)
      let nl = 0;
      const dashOn = ((s % 9) + 9) % 9 < 3;
      const mhw = 0.07;
      if (lanes === 2 || dashOn) lines[nl++] = 0;
      for (let k = 1; k < lanes; k++) {
        if (dashOn) {
          lines[nl++] = k * lw;
          lines[nl++] = -k * lw;
        }
      }
      if (road.parking > 0 && ((s % 4) + 4) % 4 < 2) {
        lines[nl++] = lanes * lw;
        lines[nl++] = -lanes * lw;
      } else if (road.parking === 0) {
        lines[nl++] = lanes * lw - 0.2;
        lines[nl++] = -lanes * lw + 0.2;
      }
      let cross = false;
      for (let i = 0; i < cw.length; i++) if (Math.abs(s - cw[i]!) < 2) cross = true;
      const cRoad = mixColor(look.asphalt, fog, fogF);
      const cMark = mixColor(look.marking, fog, fogF);
      const cSide = mixColor(look.sidewalk, fog, fogF);
      const cSide2 = mixColor(scaleColor(look.sidewalk, 0.88), fog, fogF);
      const cCurb = mixColor(look.curb, fog, fogF);
      const cGrass = mixColor(look.grass, fog, fogF);
      const tileS = detail && ((s % 1.2) + 1.2) % 1.2 < 0.05;
      for (let x = 0; x < W; x++) {
        const o = row + x;
        if (zb[o] !== 0) continue;
        const d = dA + dStep * x;
        const left = d < 0;
        const ad = left ? -d : d;
        let label: number;
        let c: number;
        if (ad < (left ? l0 : r0)) {
          label = ROAD;
          c = cRoad;
          if (cross && ad < crossHalf) {
            if ((d + 100.25) % 1.0 < 0.5) c = cMark;
          } else {
            for (let i = 0; i < nl; i++) {
              const e = d - lines[i]!;
              if (e < mhw && e > -mhw) {
                c = cMark;
                break;
              }
            }
          }
        } else if (ad < (left ? l1 : r1)) {
          label = SIDEWALK;
          c = cCurb;
        } else if (ad < (left ? l2 : r2)) {
          label = TERRAIN;
          c = cGrass;
        } else if (ad < (left ? l3 : r3)) {
          label = SIDEWALK;
          c = tileS || (detail && ad % 1.2 < 0.05) ? cSide2 : cSide;
        } else {
          label = TERRAIN;
          c = cGrass;
        }
        lab[o] = label;
        ins[o] = label;
        const o3 = 3 * o;
        rgb[o3] = (c >> 16) & 255;
        rgb[o3 + 1] = (c >> 8) & 255;
        rgb[o3 + 2] = c & 255;
      }
    }
    void fx;
  }
}

/** Convenience: a renderer's target for a world and size. */
export function makeRenderer(world: World, intr: Intrinsics): Renderer {
  return new Renderer(world, intr);
}

export { createTarget };
