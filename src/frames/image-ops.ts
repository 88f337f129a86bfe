import type { Encoding } from "./frame.js";

/**
 * Image operations on tightly packed typed arrays. No per-pixel allocation: index and
 * weight tables are computed once per call (per row/column, not per pixel).
 */

/** Per-axis sampling table for bilinear resize with align_corners=False (half-pixel centres). */
export interface AxisTable {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float32Array; // weight of i1; weight of i0 is 1 − w1
}

export function bilinearAxis(srcSize: number, dstSize: number): AxisTable {
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const w1 = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let a = Math.floor(s);
    if (a > srcSize - 1) a = srcSize - 1;
    const b = a + 1 < srcSize ? a + 1 : srcSize - 1;
    i0[d] = a;
    i1[d] = b;
    w1[d] = s - a;
  }
  return { i0, i1, w1 };
}

/**
 * Bilinear resize of an interleaved 8-bit image with `channels` channels (align_corners=False).
 * Writes into `out` when given (must be dstW·dstH·channels long).
 */
export function resizeBilinear(
  src: Uint8Array,
  srcW: number,
  srcH: number,
  channels: number,
  dstW: number,
  dstH: number,
  out: Uint8Array = new Uint8Array(dstW * dstH * channels),
): Uint8Array {
  if (src.length !== srcW * srcH * channels) {
    throw new RangeError(`resizeBilinear: source length ${src.length} != ${srcW}x${srcH}x${channels}`);
  }
  if (out.length !== dstW * dstH * channels) {
    throw new RangeError(`resizeBilinear: output length ${out.length} != ${dstW}x${dstH}x${channels}`);
  }
  const xs = bilinearAxis(srcW, dstW);
  const ys = bilinearAxis(srcH, dstH);
  for (let y = 0; y < dstH; y++) {
    const r0 = ys.i0[y]! * srcW * channels;
    const r1 = ys.i1[y]! * srcW * channels;
    const wy = ys.w1[y]!;
    let o = y * dstW * channels;
    for (let x = 0; x < dstW; x++) {
      const c0 = xs.i0[x]! * channels;
      const c1 = xs.i1[x]! * channels;
      const wx = xs.w1[x]!;
      for (let c = 0; c < channels; c++) {
        const top = src[r0 + c0 + c]! + (src[r0 + c1 + c]! - src[r0 + c0 + c]!) * wx;
        const bot = src[r1 + c0 + c]! + (src[r1 + c1 + c]! - src[r1 + c0 + c]!) * wx;
        out[o++] = (top + (bot - top) * wy + 0.5) | 0;
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of a single-channel map (labels, ids), pixel-centre sampling. */
export function resizeNearest<T extends Uint8Array | Uint16Array>(
  src: T,
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
  out: T,
): T {
  if (src.length !== srcW * srcH)
    throw new RangeError(`resizeNearest: source length ${src.length} != ${srcW}x${srcH}`);
  if (out.length !== dstW * dstH)
    throw new RangeError(`resizeNearest: output length ${out.length} != ${dstW}x${dstH}`);
  const xi = new Int32Array(dstW);
  for (let x = 0; x < dstW; x++) xi[x] = Math.min(srcW - 1, Math.floor(((x + 0.5) * srcW) / dstW));
  for (let y = 0; y < dstH; y++) {
    const row = Math.min(srcH - 1, Math.floor(((y + 0.5) * srcH) / dstH)) * srcW;
    const o = y * dstW;
    for (let x = 0; x < dstW; x++) out[o + x] = src[row + xi[x]!]!;
  }
  return out;
}

/**
 * Converts between encodings: rgb8 ⇄ bgr8, mono8 → rgb8/bgr8, rgb8/bgr8 → mono8 (BT.601 luma),
 * mono16 → mono8 (high byte). Returns the input unchanged when the encodings match.
 */
export function convertEncoding(
  data: Uint8Array,
  width: number,
  height: number,
  from: Encoding,
  to: Encoding,
  out?: Uint8Array,
): Uint8Array {
  if (from === to) return data;
  const n = width * height;
  if ((from === "rgb8" || from === "bgr8") && (to === "rgb8" || to === "bgr8")) {
    const o = out ?? new Uint8Array(n * 3);
    for (let i = 0; i < n * 3; i += 3) {
      const a = data[i]!;
      o[i] = data[i + 2]!;
      o[i + 1] = data[i + 1]!;
      o[i + 2] = a;
    }
    return o;
  }
  if (from === "mono8" && (to === "rgb8" || to === "bgr8")) {
    const o = out ?? new Uint8Array(n * 3);
    for (let i = 0, j = 0; i < n; i++, j += 3) o[j] = o[j + 1] = o[j + 2] = data[i]!;
    return o;
  }
  if ((from === "rgb8" || from === "bgr8") && to === "mono8") {
    const o = out ?? new Uint8Array(n);
    const [ri, bi] = from === "rgb8" ? [0, 2] : [2, 0];
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      o[i] = (0.299 * data[j + ri]! + 0.587 * data[j + 1]! + 0.114 * data[j + bi]! + 0.5) | 0;
    }
    return o;
  }
  if (from === "mono16" && to === "mono8") {
    const o = out ?? new Uint8Array(n);
    for (let i = 0; i < n; i++) o[i] = data[2 * i + 1]!;
    return o;
  }
  if (from === "mono16") {
    return convertEncoding(
      convertEncoding(data, width, height, "mono16", "mono8"),
      width,
      height,
      "mono8",
      to,
      out,
    );
  }
  throw new TypeError(`convertEncoding: cannot convert ${from} to ${to}`);
}
