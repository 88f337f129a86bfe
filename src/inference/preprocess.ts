import type { Encoding } from "../frames/frame.js";
import { bilinearAxis } from "../frames/image-ops.js";
import type { InputGeometry } from "./adapters/types.js";

/** The manifest's input section, as far as preprocessing needs it. */
export interface PreprocessSpec {
  readonly width: number;
  readonly height: number;
  readonly channelOrder: "rgb" | "bgr";
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Applied to 0..255 values before mean/std. */
  readonly scale: number;
  readonly resize: "stretch" | "letterbox";
  /** Letterbox fill in 0..255 units. */
  readonly padValue: number;
}

export interface PixelSource {
  readonly width: number;
  readonly height: number;
  readonly encoding: Encoding;
  readonly data: Uint8Array;
}

/** Where the frame lands in the network input (letterbox; stretch covers it all). */
export interface Placement {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  /** Letterbox gain r = min(netW/w, netH/h); undefined for stretch. */
  readonly scale?: number;
}

/** Ultralytics LetterBox: r = min(netW/w, netH/h), content round(size·r), pad round(d/2 ∓ 0.1). */
export function letterboxPlacement(srcW: number, srcH: number, netW: number, netH: number): Placement {
  const r = Math.min(netW / srcW, netH / srcH);
  const w = Math.min(netW, Math.max(1, Math.round(srcW * r)));
  const h = Math.min(netH, Math.max(1, Math.round(srcH * r)));
  const left = Math.max(0, Math.round((netW - w) / 2 - 0.1));
  const top = Math.max(0, Math.round((netH - h) / 2 - 0.1));
  return { left, top, width: w, height: h, scale: r };
}

const TABLE_CACHE_SIZE = 8;

/**
 * Resampling tables for one (source size, bytes per pixel, target size): per output column the
 * byte offsets of its two source pixels within a row and the weight of the second; per output
 * row the byte offsets of its two source rows and the weight of the second. Built once per size.
 */
interface ResizeTables {
  readonly col0: Int32Array;
  readonly col1: Int32Array;
  readonly colW: Float32Array;
  readonly row0: Int32Array;
  readonly row1: Int32Array;
  readonly rowW: Float32Array;
}

function resizeTables(srcW: number, srcH: number, bpp: number, dstW: number, dstH: number): ResizeTables {
  const xs = bilinearAxis(srcW, dstW);
  const ys = bilinearAxis(srcH, dstH);
  const stride = srcW * bpp;
  return {
    col0: xs.i0.map((i) => i * bpp),
    col1: xs.i1.map((i) => i * bpp),
    colW: xs.w1,
    row0: ys.i0.map((i) => i * stride),
    row1: ys.i1.map((i) => i * stride),
    rowW: ys.w1,
  };
}

/**
 * One-pass preprocessing into a reused NCHW Float32Array: bilinear resize (align_corners=False),
 * channel reorder, scale, mean/std and HWC→CHW, with stretch or letterbox (padValue fill).
 * Row-wise with precomputed tables (per column: source byte offsets and weight; per row: source
 * row offsets and weight), so the per-pixel work is loads, two lerps and one multiply-add per
 * channel — no divisions, no index arithmetic beyond additions. When the frame already has the
 * network's size (or the letterbox content size) there is nothing to resample and each byte
 * goes through a per-channel 256-entry table. No per-pixel or per-frame allocation once the
 * tables for a frame size exist. Not thread-safe: one Preprocessor per worker.
 */
export class Preprocessor {
  /** The network input, 3 × height × width, reused for every frame. */
  readonly tensor: Float32Array;
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  /** Byte value → normalised value, per network channel (the no-resample path). */
  private readonly luts: readonly [Float32Array, Float32Array, Float32Array];
  private readonly tables = new Map<string, ResizeTables>();

  constructor(readonly spec: PreprocessSpec) {
    if (
      !Number.isInteger(spec.width) ||
      spec.width <= 0 ||
      !Number.isInteger(spec.height) ||
      spec.height <= 0
    ) {
      throw new RangeError(`network input size must be positive integers, got ${spec.width}x${spec.height}`);
    }
    this.tensor = new Float32Array(3 * spec.width * spec.height);
    // out = (p·scale − mean) / std = p·a + b, per network channel.
    this.a = Float32Array.from([0, 1, 2], (c) => spec.scale / spec.std[c]!);
    this.b = Float32Array.from([0, 1, 2], (c) => -spec.mean[c]! / spec.std[c]!);
    const lut = (c: number): Float32Array =>
      Float32Array.from({ length: 256 }, (_, v) => v * this.a[c]! + this.b[c]!);
    this.luts = [lut(0), lut(1), lut(2)];
  }

  private resizeTables(srcW: number, srcH: number, bpp: number, dstW: number, dstH: number): ResizeTables {
    const key = `${srcW}x${srcH}x${bpp}>${dstW}x${dstH}`;
    let t = this.tables.get(key);
    if (t === undefined) {
      if (this.tables.size >= TABLE_CACHE_SIZE) {
        const oldest = this.tables.keys().next().value;
        if (oldest !== undefined) this.tables.delete(oldest);
      }
      t = resizeTables(srcW, srcH, bpp, dstW, dstH);
      this.tables.set(key, t);
    }
    return t;
  }

  /** Source byte offset of each network channel within a pixel, and bytes per pixel. */
  private channelMap(encoding: Encoding): { bpp: number; s0: number; s1: number; s2: number } {
    const wantRgb = this.spec.channelOrder === "rgb";
    switch (encoding) {
      case "rgb8":
        return wantRgb ? { bpp: 3, s0: 0, s1: 1, s2: 2 } : { bpp: 3, s0: 2, s1: 1, s2: 0 };
      case "bgr8":
        return wantRgb ? { bpp: 3, s0: 2, s1: 1, s2: 0 } : { bpp: 3, s0: 0, s1: 1, s2: 2 };
      case "mono8":
        return { bpp: 1, s0: 0, s1: 0, s2: 0 };
      case "mono16":
        throw new TypeError(
          "preprocess: mono16 frames are not supported as network input (convert to mono8 or rgb8)",
        );
    }
  }

  private cachedRows: RowCache | undefined;

  private rowCache(width: number): RowCache {
    if (this.cachedRows === undefined || this.cachedRows.width !== width)
      this.cachedRows = new RowCache(width);
    return this.cachedRows;
  }

  /** Fills `tensor` from the frame and returns how the frame maps onto the network input. */
  run(src: PixelSource): InputGeometry {
    const { width: netW, height: netH } = this.spec;
    const { width: srcW, height: srcH, data } = src;
    const { bpp, s0, s1, s2 } = this.channelMap(src.encoding);
    if (data.length < srcW * srcH * bpp) {
      throw new RangeError(
        `preprocess: ${src.encoding} frame ${srcW}x${srcH} needs ${srcW * srcH * bpp} bytes, got ${data.length}`,
      );
    }
    const place: Placement =
      this.spec.resize === "letterbox"
        ? letterboxPlacement(srcW, srcH, netW, netH)
        : { left: 0, top: 0, width: netW, height: netH };
    const plane = netW * netH;
    const out = this.tensor;
    const a0 = this.a[0]!,
      a1 = this.a[1]!,
      a2 = this.a[2]!;
    const b0 = this.b[0]!,
      b1 = this.b[1]!,
      b2 = this.b[2]!;
    if (place.width !== netW || place.height !== netH) {
      const p = this.spec.padValue;
      out.fill(p * a0 + b0, 0, plane);
      out.fill(p * a1 + b1, plane, 2 * plane);
      out.fill(p * a2 + b2, 2 * plane, 3 * plane);
    }
    const pw = place.width;
    const ph = place.height;
    const plane2 = 2 * plane;
    if (pw === srcW && ph === srcH) {
      // Same size: the bilinear weights are all 0, so each output is its source byte's value.
      const [l0, l1, l2] = this.luts;
      for (let y = 0; y < ph; y++) {
        let i = y * srcW * bpp;
        const o0 = (place.top + y) * netW + place.left;
        const end = o0 + pw;
        for (let o = o0; o < end; o++, i += bpp) {
          out[o] = l0[data[i + s0]!]!;
          out[plane + o] = l1[data[i + s1]!]!;
          out[plane2 + o] = l2[data[i + s2]!]!;
        }
      }
    } else {
      // Separable: each source row is interpolated horizontally once (into a two-row cache keyed
      // by its byte offset; consecutive output rows share source rows), then rows are blended
      // vertically. The same float64 operations as the direct 2×2 formula, so the same values.
      const { col0, col1, colW, row0, row1, rowW } = this.resizeTables(srcW, srcH, bpp, pw, ph);
      const cache = this.rowCache(pw);
      for (let y = 0; y < ph; y++) {
        const t = cache.row(row0[y]!, data, col0, col1, colW, s0, s1, s2);
        const u = cache.row(row1[y]!, data, col0, col1, colW, s0, s1, s2);
        const wy = rowW[y]!;
        const o0 = (place.top + y) * netW + place.left;
        for (let x = 0, k = 0; x < pw; x++, k += 3) {
          const o = o0 + x;
          let a = t[k]!;
          out[o] = (a + (u[k]! - a) * wy) * a0 + b0;
          a = t[k + 1]!;
          out[plane + o] = (a + (u[k + 1]! - a) * wy) * a1 + b1;
          a = t[k + 2]!;
          out[plane2 + o] = (a + (u[k + 2]! - a) * wy) * a2 + b2;
        }
      }
      cache.invalidate();
    }
    const base = { netWidth: netW, netHeight: netH, frameWidth: srcW, frameHeight: srcH };
    return this.spec.resize === "letterbox"
      ? { ...base, resize: "letterbox", scale: place.scale ?? 1, padX: place.left, padY: place.top }
      : { ...base, resize: "stretch" };
  }
}

/**
 * Two horizontally interpolated source rows (3 channels interleaved, float64), reused across
 * output rows; bounded: 2 × 3 × width doubles per preprocessor.
 */
class RowCache {
  private readonly rows: readonly [Float64Array, Float64Array];
  private readonly keys = [-1, -1];
  /** The slot returned last: a miss fills the other one (both rows of an output row stay valid). */
  private lastUsed = 1;
  constructor(readonly width: number) {
    this.rows = [new Float64Array(3 * width), new Float64Array(3 * width)];
  }

  /** Forgets the cached rows (the next frame has other pixels). */
  invalidate(): void {
    this.keys[0] = -1;
    this.keys[1] = -1;
  }

  /** The source row starting at byte `offset`, interpolated at the output columns. */
  row(
    offset: number,
    data: Uint8Array,
    col0: Int32Array,
    col1: Int32Array,
    colW: Float32Array,
    s0: number,
    s1: number,
    s2: number,
  ): Float64Array {
    for (let i = 0; i < 2; i++) {
      if (this.keys[i] === offset) {
        this.lastUsed = i;
        return this.rows[i]!;
      }
    }
    const slot = 1 - this.lastUsed;
    this.lastUsed = slot;
    this.keys[slot] = offset;
    const r = this.rows[slot]!;
    for (let x = 0, k = 0; x < this.width; x++, k += 3) {
      const wx = colW[x]!;
      const p0 = offset + col0[x]!;
      const p1 = offset + col1[x]!;
      let d = data[p0 + s0]!;
      r[k] = d + (data[p1 + s0]! - d) * wx;
      d = data[p0 + s1]!;
      r[k + 1] = d + (data[p1 + s1]! - d) * wx;
      d = data[p0 + s2]!;
      r[k + 2] = d + (data[p1 + s2]! - d) * wx;
    }
    return r;
  }
}
