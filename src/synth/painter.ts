import { NEAR, type Projector } from "./camera.js";
import { PolyBuffer, fillPolygon, type RenderTarget } from "./raster.js";

/**
 * Draws road-frame polygons and boxes: transforms to camera space, clips against the near
 * plane, projects, applies flat shading and distance fog, and fills with a depth test.
 * Colours are packed 0xRRGGBB. `label`/`inst` are the ground-truth values written.
 */
export const FRONT = 1;
export const BOTH = 0;
/** Polygons beyond this depth (m) are not drawn. */
export const FAR = 320;

export class Painter {
  label = 0;
  inst = 0;
  /** Light direction in (s, d, h), normalised. */
  lightS = -0.4;
  lightD = -0.5;
  lightH = 0.77;
  ambient = 0.62;
  diffuse = 0.45;
  fogDist = 250;
  fogColor = 0xb0c0d0;

  private readonly vs = new Float64Array(16);
  private readonly vd = new Float64Array(16);
  private readonly vh = new Float64Array(16);
  private nv = 0;
  // camera-space clip buffers
  private readonly ax = new Float64Array(32);
  private readonly ay = new Float64Array(32);
  private readonly az = new Float64Array(32);
  private readonly poly = new PolyBuffer();

  constructor(
    readonly target: RenderTarget,
    readonly proj: Projector,
  ) {}

  begin(): void {
    this.nv = 0;
  }

  vert(s: number, d: number, h: number): void {
    const i = this.nv++;
    this.vs[i] = s;
    this.vd[i] = d;
    this.vh[i] = h;
  }

  /** Shade factor for a face with normal (ns, nd, nh). */
  shade(ns: number, nd: number, nh: number): number {
    const l = ns * this.lightS + nd * this.lightD + nh * this.lightH;
    return this.ambient + this.diffuse * (l > 0 ? l : 0);
  }

  /** Fills the polygon begun with `begin`/`vert`. Returns whether any pixel was drawn. */
  end(color: number, cull: number, shade = 1): boolean {
    const n = this.nv;
    const proj = this.proj;
    const ax = this.ax;
    const ay = this.ay;
    const az = this.az;
    let inFront = 0;
    let near = 0;
    for (let i = 0; i < n; i++) {
      proj.toCamera(this.vs[i]!, this.vd[i]!, this.vh[i]!);
      ax[16 + i] = proj.cx;
      ay[16 + i] = proj.cy;
      az[16 + i] = proj.cz;
      if (proj.cz >= NEAR) inFront++;
      if (proj.cz < FAR) near++;
    }
    if (inFront === 0 || near === 0) return false;
    // Sutherland–Hodgman against z = NEAR, from slots 16.. into 0..
    let m = 0;
    let zsum = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const xi = ax[16 + i]!;
      const yi = ay[16 + i]!;
      const zi = az[16 + i]!;
      const zj = az[16 + j]!;
      const inI = zi >= NEAR;
      const inJ = zj >= NEAR;
      if (inI) {
        ax[m] = xi;
        ay[m] = yi;
        az[m] = zi;
        zsum += zi;
        m++;
      }
      if (inI !== inJ) {
        const a = (NEAR - zi) / (zj - zi);
        ax[m] = xi + a * (ax[16 + j]! - xi);
        ay[m] = yi + a * (ay[16 + j]! - yi);
        az[m] = NEAR;
        zsum += NEAR;
        m++;
      }
    }
    const { fx, fy, u0, v0 } = proj.intr;
    const p = this.poly;
    for (let i = 0; i < m; i++) {
      const w = 1 / az[i]!;
      p.x[i] = u0 + fx * ax[i]! * w;
      p.y[i] = v0 + fy * ay[i]! * w;
      p.w[i] = w;
    }
    p.n = m;
    const f = 1 - Math.exp(-zsum / m / this.fogDist);
    const k = shade * (1 - f);
    const fc = this.fogColor;
    const r = clamp255(((color >> 16) & 255) * k + ((fc >> 16) & 255) * f);
    const g = clamp255(((color >> 8) & 255) * k + ((fc >> 8) & 255) * f);
    const b = clamp255((color & 255) * k + (fc & 255) * f);
    return fillPolygon(this.target, p, cull, r, g, b, this.label, this.inst);
  }

  quad(
    s0: number,
    d0: number,
    h0: number,
    s1: number,
    d1: number,
    h1: number,
    s2: number,
    d2: number,
    h2: number,
    s3: number,
    d3: number,
    h3: number,
    color: number,
    cull: number,
    shade = 1,
  ): boolean {
    this.nv = 0;
    this.vert(s0, d0, h0);
    this.vert(s1, d1, h1);
    this.vert(s2, d2, h2);
    this.vert(s3, d3, h3);
    return this.end(color, cull, shade);
  }

  /**
   * An upright rectangle in the plane s = const, facing −s (towards an approaching camera)
   * when `facing` is −1 or +s when +1; `BOTH` sides when `cull` is 0.
   */
  panelS(
    s: number,
    dA: number,
    dB: number,
    h0: number,
    h1: number,
    color: number,
    facing: number,
    cull = FRONT,
  ): boolean {
    const sh = this.shade(facing, 0, 0);
    if (facing < 0) return this.quad(s, dA, h0, s, dA, h1, s, dB, h1, s, dB, h0, color, cull, sh);
    return this.quad(s, dA, h0, s, dB, h0, s, dB, h1, s, dA, h1, color, cull, sh);
  }

  /** An upright rectangle in the plane d = const facing −d (`facing` −1) or +d (+1). */
  panelD(
    d: number,
    sA: number,
    sB: number,
    h0: number,
    h1: number,
    color: number,
    facing: number,
    cull = FRONT,
  ): boolean {
    const sh = this.shade(0, facing, 0);
    if (facing > 0) return this.quad(sA, d, h0, sA, d, h1, sB, d, h1, sB, d, h0, color, cull, sh);
    return this.quad(sA, d, h0, sB, d, h0, sB, d, h1, sA, d, h1, color, cull, sh);
  }

  /** A regular `sides`-gon in the plane s = const centred at (d, h), facing −s or +s. */
  disc(
    s: number,
    d: number,
    h: number,
    rd: number,
    rh: number,
    sides: number,
    color: number,
    facing: number,
    cull = FRONT,
  ): boolean {
    this.nv = 0;
    for (let i = 0; i < sides; i++) {
      const a = ((facing < 0 ? -i : i) * 2 * Math.PI) / sides + Math.PI / sides;
      this.vert(s, d + rd * Math.cos(a), h + rh * Math.sin(a));
    }
    return this.end(color, cull, this.shade(facing, 0, 0));
  }

  /** A regular polygon in the plane d = const centred at (s, h) (wheels seen from the side). */
  discD(d: number, s: number, h: number, r: number, sides: number, color: number, facing: number): boolean {
    this.nv = 0;
    for (let i = 0; i < sides; i++) {
      const a = ((facing > 0 ? -i : i) * 2 * Math.PI) / sides + Math.PI / sides;
      this.vert(s + r * Math.cos(a), d, h + r * Math.sin(a));
    }
    return this.end(color, FRONT, this.shade(0, facing, 0));
  }

  /**
   * An oriented box standing on h0..h1: centre (s, d), heading (cos, sin) in (s, d),
   * half length along the heading and half width across. Faces: front (+heading), back,
   * sides, top (and bottom when raised). Returns a bit mask of drawn faces (1 front,
   * 2 back, 4 right, 8 left, 16 top, 32 bottom).
   */
  box(
    s: number,
    d: number,
    cos: number,
    sin: number,
    hl: number,
    hw: number,
    h0: number,
    h1: number,
    side: number,
    top = side,
    front = side,
    back = front,
  ): number {
    // corners: along ±hl (bit 0), across ±hw (bit 1); across axis = (−sin, cos)
    const fs = cos * hl;
    const fd = sin * hl;
    const rs = -sin * hw;
    const rd = cos * hw;
    const c = this.corner;
    c[0] = s - fs - rs;
    c[1] = d - fd - rd;
    c[2] = s + fs - rs;
    c[3] = d + fd - rd;
    c[4] = s - fs + rs;
    c[5] = d - fd + rd;
    c[6] = s + fs + rs;
    c[7] = d + fd + rd;
    let drawn = 0;
    // front (+a): 1,3,7,5
    if (this.face(1, 3, 3, 1, h0, h0, h1, h1, front, this.shade(cos, sin, 0))) drawn |= 1;
    // back (−a): 0,4,6,2 → 0(lo),2(hi)... corners 0 lo, 0 hi, 2 hi, 2 lo
    if (this.face(0, 0, 2, 2, h0, h1, h1, h0, back, this.shade(-cos, -sin, 0))) drawn |= 2;
    // right (+c): 2,6,7,3 → c2 lo, c2 hi, c3 hi, c3 lo
    if (this.face(2, 2, 3, 3, h0, h1, h1, h0, side, this.shade(-sin, cos, 0))) drawn |= 4;
    // left (−c): 0,1,5,4 → c0 lo, c1 lo, c1 hi, c0 hi
    if (this.face(0, 1, 1, 0, h0, h0, h1, h1, side, this.shade(sin, -cos, 0))) drawn |= 8;
    // top: 4,5,7,6 → c0 hi, c1 hi, c3 hi, c2 hi
    if (this.face(0, 1, 3, 2, h1, h1, h1, h1, top, this.shade(0, 0, 1))) drawn |= 16;
    // bottom: 0,2,3,1 → c0, c2, c3, c1
    if (h0 > 0.05 && this.face(0, 2, 3, 1, h0, h0, h0, h0, side, this.ambient * 0.8)) drawn |= 32;
    return drawn;
  }

  private readonly corner = new Float64Array(8);

  private face(
    a: number,
    b: number,
    c: number,
    e: number,
    ha: number,
    hb: number,
    hc: number,
    he: number,
    color: number,
    shade: number,
  ): boolean {
    const k = this.corner;
    return this.quad(
      k[2 * a]!,
      k[2 * a + 1]!,
      ha,
      k[2 * b]!,
      k[2 * b + 1]!,
      hb,
      k[2 * c]!,
      k[2 * c + 1]!,
      hc,
      k[2 * e]!,
      k[2 * e + 1]!,
      he,
      color,
      FRONT,
      shade,
    );
  }
}

function clamp255(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
}

/** Scales a packed colour by k (clamped). */
export function scaleColor(c: number, k: number): number {
  return (
    (clamp255(((c >> 16) & 255) * k) << 16) | (clamp255(((c >> 8) & 255) * k) << 8) | clamp255((c & 255) * k)
  );
}

/** Mixes two packed colours: a·(1−t) + b·t. */
export function mixColor(a: number, b: number, t: number): number {
  const u = 1 - t;
  return (
    (clamp255(((a >> 16) & 255) * u + ((b >> 16) & 255) * t) << 16) |
    (clamp255(((a >> 8) & 255) * u + ((b >> 8) & 255) * t) << 8) |
    clamp255((a & 255) * u + (b & 255) * t)
  );
}
