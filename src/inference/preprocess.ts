import type { Encoding } from "../frames/frame.js";
import { bilinearAxis } from "../frames/image-ops.js";
import type { InputGeometry } from "./adapters/types.js";
import { PreprocessKernels } from "./preprocess-simd.js";

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
  /** Bytes per source row. */
  readonly srcRowBytes: number;
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
    srcRowBytes: stride,
    col0: xs.i0.map((i) => i * bpp),
    col1: xs.i1.map((i) => i * bpp),
    colW: xs.w1,
    row0: ys.i0.map((i) => i * stride),
    row1: ys.i1.map((i) => i * stride),
    rowW: ys.w1,
  };
}

const f32 = Math.fround;

/** `p·a + b` with both operations rounded to float32 (what the SIMD kernel computes). */
const normalize = (p: number, a: number, b: number): number => f32(f32(p * a) + b);

/** `((u − t)·wy + t)·a + b`, every operation rounded to float32 (the `vblend` kernel's order). */
const blend = (t: number, u: number, wy: number, a: number, b: number): number =>
  f32(f32(f32(f32(f32(u - t) * wy) + t) * a) + b);

// Memory layout of the SIMD kernels' memory (bytes): the kernels' coefficients, two
// horizontally interpolated source rows (3 planar channels each), the resize tables' columns
// (col0, col1, colW for ≤ netW outputs), the frame's bytes (the no-resample path copies the
// frame in; resampling copies one source row at a time), then the network input tensor.
const RGB3_COEF_AT = 0;
const VBLEND_COEF_AT = 32;
const ROWS_AT = 64;
const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/**
 * One-pass preprocessing into a reused NCHW Float32Array: bilinear resize (align_corners=False),
 * channel reorder, scale, mean/std and HWC→CHW, with stretch or letterbox (padValue fill).
 *
 * Resampling is separable: each source row the output needs is interpolated horizontally once
 * (float64, stored as float32; a scalar WebAssembly loop, the taps being a gather) into one of
 * two cached planar rows, then output rows blend two of
 * them vertically and normalise: `((u − t)·wy + t)·a + b` in float32 (a = scale/std,
 * b = −mean/std), 4 outputs per step in the WebAssembly SIMD kernel (preprocess-simd.ts). When
 * the frame already has the network's size (or the letterbox content size) nothing is
 * resampled: `p·a + b` in float32, 16 pixels per step in the kernel (channels split by byte
 * shuffles). Tails, mono8 frames and machines without SIMD take JS loops that compute the same
 * float32 operations (Math.fround after each), so the result does not depend on the path.
 *
 * The tensor lives in the kernels' memory, sized once for the network input (no growth, so the
 * view ORT reads stays valid). A frame that fits the kernels' frame region (3 × the input's
 * pixels in bytes) is copied in once; a larger one a source row at a time. No per-pixel
 * allocation, and per frame only views of source rows for frames larger than the input.
 * Not thread-safe: one Preprocessor per worker.
 */
export class Preprocessor {
  /** The network input, 3 × height × width, reused for every frame. */
  readonly tensor: Float32Array;
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  /** Byte value → normalised value, per network channel (the no-resample JS path). */
  private readonly luts: readonly [Float32Array, Float32Array, Float32Array];
  private readonly tables = new Map<string, ResizeTables>();
  private readonly kernels: PreprocessKernels | undefined;
  /** Two cached source rows × 3 network channels × netW float32 (planar). */
  private readonly rows: Float32Array;
  private readonly rowKeys = [-1, -1];
  private lastSlot = 1;
  private readonly tablesAt: number;
  private readonly srcAt: number;
  private readonly tensorAt: number;
  /** The resize tables whose columns are in the kernels' memory. */
  private loadedTables: ResizeTables | undefined;
  /** Views into the kernels' memory, made once: coefficients, frame bytes, column tables. */
  private readonly views:
    | {
        readonly coef: Float32Array;
        readonly src: Uint8Array;
        readonly col0: Int32Array;
        readonly col1: Int32Array;
        readonly colW: Float32Array;
      }
    | undefined;
  /** True while the whole current frame sits in the kernels' memory (rows are read in place). */
  private frameInMemory = false;

  constructor(readonly spec: PreprocessSpec) {
    if (
      !Number.isInteger(spec.width) ||
      spec.width <= 0 ||
      !Number.isInteger(spec.height) ||
      spec.height <= 0
    ) {
      throw new RangeError(`network input size must be positive integers, got ${spec.width}x${spec.height}`);
    }
    const { width: w, height: h } = spec;
    // out = (p·scale − mean) / std = p·a + b, per network channel.
    this.a = Float32Array.from([0, 1, 2], (c) => spec.scale / spec.std[c]!);
    this.b = Float32Array.from([0, 1, 2], (c) => -spec.mean[c]! / spec.std[c]!);
    const lut = (c: number): Float32Array =>
      Float32Array.from({ length: 256 }, (_, v) => normalize(v, this.a[c]!, this.b[c]!));
    this.luts = [lut(0), lut(1), lut(2)];
    this.tablesAt = align64(ROWS_AT + 2 * 3 * w * 4);
    this.srcAt = align64(this.tablesAt + 12 * w);
    this.tensorAt = align64(this.srcAt + 3 * w * h);
    this.kernels = PreprocessKernels.create(this.tensorAt + 3 * w * h * 4);
    if (this.kernels !== undefined) {
      const buf = this.kernels.memory.buffer;
      this.tensor = new Float32Array(buf, this.tensorAt, 3 * w * h);
      this.rows = new Float32Array(buf, ROWS_AT, 2 * 3 * w);
      this.views = {
        coef: new Float32Array(buf, 0, ROWS_AT / 4),
        src: new Uint8Array(buf, this.srcAt, this.tensorAt - this.srcAt),
        col0: new Int32Array(buf, this.tablesAt, w),
        col1: new Int32Array(buf, this.tablesAt + 4 * w, w),
        colW: new Float32Array(buf, this.tablesAt + 8 * w, w),
      };
    } else {
      this.tensor = new Float32Array(3 * w * h);
      this.rows = new Float32Array(2 * 3 * w);
      this.views = undefined;
    }
  }

  /** True when the WebAssembly SIMD kernels run (tests, benchmarks). */
  get simd(): boolean {
    return this.kernels !== undefined;
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

  /**
   * The cached slot (0/1) holding the source row at byte `offset`, interpolated horizontally
   * at the output columns into planar float32 rows of network channels; a miss fills the slot
   * not returned last, so both rows of an output row stay valid.
   */
  private rowSlot(
    offset: number,
    data: Uint8Array,
    t: ResizeTables,
    width: number,
    s0: number,
    s1: number,
    s2: number,
  ): number {
    for (let i = 0; i < 2; i++) {
      if (this.rowKeys[i] === offset) {
        this.lastSlot = i;
        return i;
      }
    }
    const slot = 1 - this.lastSlot;
    this.lastSlot = slot;
    this.rowKeys[slot] = offset;
    const netW = this.spec.width;
    const r = this.rows;
    const o0 = 3 * slot * netW;
    const o1 = o0 + netW;
    const o2 = o1 + netW;
    const k = this.kernels;
    const v = this.views;
    const rowBytes = t.srcRowBytes;
    if (k !== undefined && v !== undefined && rowBytes <= v.src.length) {
      if (this.loadedTables !== t) {
        v.col0.set(t.col0);
        v.col1.set(t.col1);
        v.colW.set(t.colW);
        this.loadedTables = t;
      }
      // The row in the kernels' memory: in place when the whole frame was copied in, else now.
      let at = this.srcAt + offset;
      if (!this.frameInMemory) {
        v.src.set(data.subarray(offset, offset + rowBytes));
        at = this.srcAt;
      }
      const tab = this.tablesAt;
      const r0 = ROWS_AT + 4 * o0;
      k.hrow(at, width, tab, tab + 4 * width, tab + 8 * width, s0, s1, s2, r0, r0 + 4 * netW, r0 + 8 * netW);
      return slot;
    }
    const { col0, col1, colW } = t;
    for (let x = 0; x < width; x++) {
      const wx = colW[x]!;
      const p0 = offset + col0[x]!;
      const p1 = offset + col1[x]!;
      let d = data[p0 + s0]!;
      r[o0 + x] = d + (data[p1 + s0]! - d) * wx;
      d = data[p0 + s1]!;
      r[o1 + x] = d + (data[p1 + s1]! - d) * wx;
      d = data[p0 + s2]!;
      r[o2 + x] = d + (data[p1 + s2]! - d) * wx;
    }
    return slot;
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
    if (place.width !== netW || place.height !== netH) {
      const p = this.spec.padValue;
      for (let c = 0; c < 3; c++) out.fill(normalize(p, this.a[c]!, this.b[c]!), c * plane, (c + 1) * plane);
    }
    const pw = place.width;
    const ph = place.height;
    if (pw === srcW && ph === srcH) this.convert(data, bpp, [s0, s1, s2], place);
    else this.resample(data, srcW, srcH, bpp, [s0, s1, s2], place);
    const base = { netWidth: netW, netHeight: netH, frameWidth: srcW, frameHeight: srcH };
    return this.spec.resize === "letterbox"
      ? { ...base, resize: "letterbox", scale: place.scale ?? 1, padX: place.left, padY: place.top }
      : { ...base, resize: "stretch" };
  }

  /** Same size: each output is its source byte's normalised value. */
  private convert(data: Uint8Array, bpp: number, s: readonly number[], place: Placement): void {
    const netW = this.spec.width;
    const plane = netW * this.spec.height;
    const out = this.tensor;
    const { width: pw, height: ph } = place;
    const [l0, l1, l2] = this.luts;
    const [s0, s1, s2] = s as [number, number, number];
    let from = 0;
    const k = this.kernels;
    if (k !== undefined && bpp === 3 && pw >= 16) {
      // Source channel j goes to the network channel c with s_c = j (rgb/bgr: a permutation).
      const coef = this.views!.coef;
      const dst = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const j = s[c]!;
        coef[RGB3_COEF_AT / 4 + 2 * j] = this.a[c]!;
        coef[RGB3_COEF_AT / 4 + 2 * j + 1] = this.b[c]!;
        dst[j] = c * plane;
      }
      this.views!.src.set(data.subarray(0, 3 * pw * ph));
      const n16 = pw >> 4;
      from = n16 << 4;
      for (let y = 0; y < ph; y++) {
        const o = (place.top + y) * netW + place.left;
        const at = this.tensorAt + 4 * o;
        k.rgb3(
          this.srcAt + 3 * pw * y,
          n16,
          at + 4 * dst[0]!,
          at + 4 * dst[1]!,
          at + 4 * dst[2]!,
          RGB3_COEF_AT,
        );
      }
    }
    for (let y = 0; y < ph; y++) {
      let i = (y * pw + from) * bpp;
      const o0 = (place.top + y) * netW + place.left;
      for (let o = o0 + from, end = o0 + pw; o < end; o++, i += bpp) {
        out[o] = l0[data[i + s0]!]!;
        out[plane + o] = l1[data[i + s1]!]!;
        out[2 * plane + o] = l2[data[i + s2]!]!;
      }
    }
  }

  /** Bilinear: rows interpolated horizontally once (cached), then blended vertically. */
  private resample(
    data: Uint8Array,
    srcW: number,
    srcH: number,
    bpp: number,
    s: readonly number[],
    place: Placement,
  ): void {
    const netW = this.spec.width;
    const plane = netW * this.spec.height;
    const out = this.tensor;
    const rows = this.rows;
    const { width: pw, height: ph } = place;
    const [s0, s1, s2] = s as [number, number, number];
    const t = this.resizeTables(srcW, srcH, bpp, pw, ph);
    const { row0, row1, rowW } = t;
    const k = this.kernels;
    const n4 = k !== undefined ? pw >> 2 : 0;
    const coef = this.views?.coef;
    const c0 = VBLEND_COEF_AT / 4;
    this.rowKeys[0] = this.rowKeys[1] = -1;
    // A frame that fits the kernels' frame region is copied in once; larger ones row by row.
    const frameBytes = srcW * srcH * bpp;
    this.frameInMemory = this.views !== undefined && frameBytes <= this.views.src.length;
    if (this.frameInMemory) this.views!.src.set(data.subarray(0, frameBytes));
    for (let y = 0; y < ph; y++) {
      const ta = 3 * netW * this.rowSlot(row0[y]!, data, t, pw, s0, s1, s2);
      const ua = 3 * netW * this.rowSlot(row1[y]!, data, t, pw, s0, s1, s2);
      const wy = rowW[y]!;
      const o0 = (place.top + y) * netW + place.left;
      for (let c = 0; c < 3; c++) {
        const a = this.a[c]!;
        const b = this.b[c]!;
        const tc = ta + c * netW;
        const uc = ua + c * netW;
        const oc = c * plane + o0;
        if (k !== undefined && coef !== undefined && n4 > 0) {
          coef[c0] = wy;
          coef[c0 + 1] = a;
          coef[c0 + 2] = b;
          k.vblend(ROWS_AT + 4 * tc, ROWS_AT + 4 * uc, n4, this.tensorAt + 4 * oc, VBLEND_COEF_AT);
        }
        for (let x = 4 * n4; x < pw; x++) out[oc + x] = blend(rows[tc + x]!, rows[uc + x]!, wy, a, b);
      }
    }
  }
}
