/**
 * Frame ↔ network-input coordinate maps and the resampling tables built from them.
 * Per axis: `net = frame·scale + pad` (pixel edges). Resampling a tensor that covers the
 * network input at some other resolution (logits, prototypes) maps a frame pixel centre to
 * `src = net(centre)·srcSize/netSize − 0.5`, i.e. PyTorch's align_corners=False rule.
 */
import type { InputGeometry } from "./types.js";

export interface AxisMap {
  readonly scale: number;
  readonly pad: number;
}

export interface GeometryMaps {
  readonly x: AxisMap;
  readonly y: AxisMap;
}

function positive(name: string, v: number): void {
  if (!(v > 0) || !isFinite(v)) throw new RangeError(`geometry ${name} must be a positive number, got ${v}`);
}

/** Resolves an InputGeometry into per-axis maps (see types.ts for the letterbox defaults). */
export function geometryMaps(g: InputGeometry): GeometryMaps {
  positive("netWidth", g.netWidth);
  positive("netHeight", g.netHeight);
  positive("frameWidth", g.frameWidth);
  positive("frameHeight", g.frameHeight);
  if (g.resize === "stretch") {
    return {
      x: { scale: g.netWidth / g.frameWidth, pad: 0 },
      y: { scale: g.netHeight / g.frameHeight, pad: 0 },
    };
  }
  const scale = g.scale ?? Math.min(g.netWidth / g.frameWidth, g.netHeight / g.frameHeight);
  positive("scale", scale);
  const padX = g.padX ?? Math.round((g.netWidth - Math.round(g.frameWidth * scale)) / 2 - 0.1);
  const padY = g.padY ?? Math.round((g.netHeight - Math.round(g.frameHeight * scale)) / 2 - 0.1);
  return { x: { scale, pad: padX }, y: { scale, pad: padY } };
}

/** Network-pixel coordinate → frame-pixel coordinate, clamped to [0, size]. */
export function netToFrame(v: number, m: AxisMap, size: number): number {
  const f = (v - m.pad) / m.scale;
  return f < 0 ? 0 : f > size ? size : f;
}

/** Bilinear source indices and weights for each output pixel along one axis. */
export interface LinearTable {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float32Array; // weight of i1; i0 gets 1 − w1
}

/**
 * For `outSize` frame pixels, the bilinear taps into a `srcSize` tensor that spans `netSize`
 * network pixels (align_corners=False; negative positions clamp to 0 as in PyTorch).
 */
export function linearTable(outSize: number, m: AxisMap, srcSize: number, netSize: number): LinearTable {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const k = srcSize / netSize;
  for (let i = 0; i < outSize; i++) {
    let s = ((i + 0.5) * m.scale + m.pad) * k - 0.5;
    if (s < 0) s = 0;
    let a = Math.floor(s);
    if (a >= srcSize - 1) {
      a = srcSize - 1;
      s = a;
    }
    i0[i] = a;
    i1[i] = a < srcSize - 1 ? a + 1 : a;
    w1[i] = s - a;
  }
  return { i0, i1, w1 };
}

/** For each index of a table: the end (exclusive) of its span of indices with equal `i0` taps. */
export function spanEnds(t: LinearTable): Int32Array {
  const n = t.i0.length;
  const end = new Int32Array(n);
  let e = n;
  for (let i = n - 1; i >= 0; i--) {
    if (i < n - 1 && t.i0[i + 1] !== t.i0[i]) e = i + 1;
    end[i] = e;
  }
  return end;
}

/** Nearest source index (of the pixel containing the frame pixel's centre) along one axis. */
export function nearestTable(outSize: number, m: AxisMap, srcSize: number, netSize: number): Int32Array {
  const t = new Int32Array(outSize);
  const k = srcSize / netSize;
  for (let i = 0; i < outSize; i++) {
    const s = Math.floor(((i + 0.5) * m.scale + m.pad) * k);
    t[i] = s < 0 ? 0 : s >= srcSize ? srcSize - 1 : s;
  }
  return t;
}
