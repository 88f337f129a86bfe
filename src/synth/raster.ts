/**
 * The render target and the convex-polygon scanline filler with a per-pixel depth test.
 * Depth is stored as inverse camera depth (1/z, larger is nearer, 0 = nothing drawn),
 * which is affine in screen space, so it is interpolated exactly with a plane per polygon.
 */
export interface RenderTarget {
  readonly width: number;
  readonly height: number;
  /** rgb8, tightly packed. */
  readonly rgb: Uint8Array;
  /** Cityscapes label ids. */
  readonly labelIds: Uint8Array;
  /** Cityscapes instance ids (labelId·1000 + k for things, labelId for stuff). */
  readonly instanceIds: Uint16Array;
  /** Inverse depth per pixel; 0 where nothing has been drawn. */
  readonly invDepth: Float32Array;
  /** When set, polygons only mark this mask (no depth test, no colour): silhouettes. */
  mask: Uint8Array | null;
}

export function createTarget(width: number, height: number): RenderTarget {
  const n = width * height;
  return {
    width,
    height,
    rgb: new Uint8Array(n * 3),
    labelIds: new Uint8Array(n),
    instanceIds: new Uint16Array(n),
    invDepth: new Float32Array(n),
    mask: null,
  };
}

export function clearTarget(t: RenderTarget): void {
  t.invDepth.fill(0);
  t.labelIds.fill(0);
  t.instanceIds.fill(0);
}

/** Scratch vertex buffers for the filler: screen x, y and inverse depth. */
export class PolyBuffer {
  readonly x = new Float64Array(32);
  readonly y = new Float64Array(32);
  readonly w = new Float64Array(32);
  n = 0;
}

/**
 * Fills the convex polygon in `p` (screen coordinates, pixel centres at +0.5) where it is
 * nearer than what is there. `cullSign` 0 draws both faces; ±1 draws only polygons whose
 * signed screen area has that sign. Returns false when culled or empty.
 */
export function fillPolygon(
  t: RenderTarget,
  p: PolyBuffer,
  cullSign: number,
  r: number,
  g: number,
  b: number,
  label: number,
  inst: number,
): boolean {
  const n = p.n;
  if (n < 3) return false;
  const px = p.x;
  const py = p.y;
  const pw = p.w;
  // Newell normal of the (x, y, w) plane; nz = twice the signed area.
  let nx = 0;
  let ny = 0;
  let nz = 0;
  let minY = Infinity;
  let maxY = -Infinity;
  let mx = 0;
  let my = 0;
  let mw = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const xi = px[i]!;
    const yi = py[i]!;
    const wi = pw[i]!;
    const xj = px[j]!;
    const yj = py[j]!;
    const wj = pw[j]!;
    nx += (yi - yj) * (wi + wj);
    ny += (wi - wj) * (xi + xj);
    nz += (xi - xj) * (yi + yj);
    if (yi < minY) minY = yi;
    if (yi > maxY) maxY = yi;
    mx += xi;
    my += yi;
    mw += wi;
  }
  if (Math.abs(nz) < 1e-9) return false;
  if (cullSign !== 0 && nz * cullSign < 0) return false;
  const W = t.width;
  const H = t.height;
  let y0 = Math.ceil(minY - 0.5);
  let y1 = Math.floor(maxY - 0.5);
  if (y0 < 0) y0 = 0;
  if (y1 > H - 1) y1 = H - 1;
  if (y0 > y1) return false;
  const A = -nx / nz;
  const B = -ny / nz;
  const C = mw / n - (A * mx) / n - (B * my) / n;
  const zb = t.invDepth;
  const lab = t.labelIds;
  const ins = t.instanceIds;
  const rgb = t.rgb;
  const mask = t.mask;
  let drew = false;
  for (let y = y0; y <= y1; y++) {
    const yc = y + 0.5;
    let xl = Infinity;
    let xr = -Infinity;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const ya = py[i]!;
      const yb = py[j]!;
      if ((ya <= yc && yb > yc) || (yb <= yc && ya > yc)) {
        const xa = px[i]!;
        const x = xa + ((yc - ya) * (px[j]! - xa)) / (yb - ya);
        if (x < xl) xl = x;
        if (x > xr) xr = x;
      }
    }
    if (!(xl < xr)) continue;
    let x0 = Math.ceil(xl - 0.5);
    let x1 = Math.ceil(xr - 0.5) - 1;
    if (x0 < 0) x0 = 0;
    if (x1 > W - 1) x1 = W - 1;
    if (x0 > x1) continue;
    let o = y * W + x0;
    const end = y * W + x1;
    if (mask !== null) {
      mask.fill(1, o, end + 1);
      drew = true;
      continue;
    }
    let iz = A * (x0 + 0.5) + B * yc + C;
    for (; o <= end; o++, iz += A) {
      if (iz > zb[o]!) {
        zb[o] = iz;
        lab[o] = label;
        ins[o] = inst;
        const o3 = o * 3;
        rgb[o3] = r;
        rgb[o3 + 1] = g;
        rgb[o3 + 2] = b;
        drew = true;
      }
    }
  }
  return drew;
}
