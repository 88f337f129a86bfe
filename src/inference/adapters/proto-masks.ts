/**
 * Prototype-mask assembly shared by YOLACT and YOLO-seg:
 * `sigmoid(P · c)` inside the crop rectangle at prototype resolution (zero outside), bilinear
 * upsample (align_corners=False) straight to the frame, threshold, emitted as RLE.
 *
 * Only the crop rectangle is ever computed and only the frame pixels whose bilinear taps touch
 * it are sampled (all others are exactly 0 after the crop), so 100 detections stay cheap and
 * no frame-size buffer is allocated per detection.
 *
 * Within a frame row, consecutive pixels share their two column taps (about frame/proto pixels
 * per prototype cell, e.g. 8 at 1024 wide over 128). A bilinear value is a convex combination
 * of its 4 taps, so where all 4 are ≤ the threshold (or all > it) the whole span is emitted as
 * one run without interpolating; only spans on the mask boundary are evaluated per pixel.
 * Consecutive frame rows also share their two proto rows, and whether a span is uniform does
 * not depend on the row weight, so spans are classified once per proto-row pair.
 * The sigmoid is monotonic, so spans are classified on the logits (P · c) against
 * logit(threshold), with a margin; only the taps of mixed spans pay for an exp.
 *
 * The logits P · c of a crop come from the WebAssembly SIMD kernel (proto-dot-simd.ts, float32)
 * for NHWC prototypes with k a multiple of 4, else from a float64 JS loop.
 */
import { RleBuilder } from "../../frames/rle.js";
import type { RleMask } from "../result.js";
import { type GeometryMaps, type LinearTable, linearTable, spanEnds } from "./geometry.js";
import { SimdProtoDot } from "./proto-dot-simd.js";
import { lazyKernel } from "./wasm-encoder.js";

export interface ProtoView {
  readonly data: Float32Array;
  readonly h: number;
  readonly w: number;
  /** Prototype (coefficient) count. */
  readonly k: number;
  readonly layout: "nhwc" | "nchw";
}

/** Prototype pixels kept by the crop: columns x0 ≤ x < x1, rows y0 ≤ y < y1. */
export interface CropRect {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

export interface MaskTables {
  readonly width: number;
  readonly height: number;
  readonly cols: LinearTable;
  readonly rows: LinearTable;
  /** For frame column fx: the end (exclusive) of the span of columns sharing fx's taps. */
  readonly colSpanEnd: Int32Array;
  /**
   * The SIMD dot-product kernel when it applies to this frame's prototypes (NHWC, k a multiple
   * of 4, WebAssembly SIMD available); the prototypes are bound to it by the first mask.
   */
  readonly dot: { readonly kernel: SimdProtoDot; bound: boolean } | undefined;
}

/** The SIMD dot-product kernel (proto-dot-simd.ts), created on first use; undefined without SIMD. */
const simdDot = lazyKernel(() => SimdProtoDot.create());
const simdDotKernel = (): SimdProtoDot | undefined => simdDot.get();

/** Tests and benchmarks: the SIMD dot products when available (default), or always the JS loop. */
export function useProtoDotSimd(on: boolean): void {
  simdDot.use(on);
}

/**
 * A Float32Array for h × w × k NHWC prototypes inside the SIMD kernel's memory, to be handed to
 * ORT as the preallocated prototype output (the masks then read it in place, no copy per
 * frame). undefined without SIMD or for a k the kernel does not take.
 */
export function protoBuffer(h: number, w: number, k: number): Float32Array | undefined {
  return SimdProtoDot.supports(k) ? simdDotKernel()?.protoView(h, w, k) : undefined;
}

/** Frame-pixel → prototype taps, built once per frame. Prototypes span the network input. */
export function maskTables(
  maps: GeometryMaps,
  frameW: number,
  frameH: number,
  proto: ProtoView,
  netW: number,
  netH: number,
): MaskTables {
  const cols = linearTable(frameW, maps.x, proto.w, netW);
  const kernel = proto.layout === "nhwc" && SimdProtoDot.supports(proto.k) ? simdDotKernel() : undefined;
  return {
    width: frameW,
    height: frameH,
    cols,
    rows: linearTable(frameH, maps.y, proto.h, netH),
    colSpanEnd: spanEnds(cols),
    dot: kernel !== undefined ? { kernel, bound: false } : undefined,
  };
}

/** Integer crop range {i : lo ≤ i < hi} for continuous bounds, clamped to [0, size]. */
export function cropRange(lo: number, hi: number, size: number): [number, number] {
  const a = Math.max(0, Math.ceil(lo));
  const b = Math.min(size, Math.ceil(hi));
  return [a, Math.max(a, b)];
}

/**
 * Per-thread scratch for `assembleMask`, grown on demand and reused by every mask (one mask
 * at a time per thread; nothing escapes a call): a typed-array allocation per mask and
 * buffer costs about as much as a small mask's arithmetic.
 */
/** A typed array of at least `n` elements, reallocated (to the next power of two) only to grow. */
function growable<T extends { readonly length: number }>(
  make: (n: number) => T,
  initial: number,
): (n: number) => T {
  let a = make(initial);
  return (n) => {
    if (a.length < n) a = make(1 << Math.ceil(Math.log2(Math.max(n, 1))));
    return a;
  };
}

const scratch = {
  logits: growable((n) => new Float64Array(n), 1024),
  spans: growable((n) => new Int32Array(n), 256),
  taps: growable((n) => new Float32Array(n), 1024),
  /** Per crop cell: its sigmoid once computed, NaN before (a cell is shared by ≤ 4 span taps). */
  sigmoids: growable((n) => new Float32Array(n), 1024),
  /** Per row pair: runs of equal uniform spans merged — from, end, span index (mixed) per segment. */
  segments: growable((n) => new Int32Array(n), 768),
  segmentKinds: growable((n) => new Uint8Array(n), 256),
};

/** The mask being built (one at a time per thread; finish() copies its runs out). */
const scratchRle = new RleBuilder();

/** First index whose value ≥ v in a non-decreasing array (length if none). */
function lowerBound(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Mask logits of the crop into `buf` (bw × bh, border already −∞), in float64 (JS). */
function jsLogits(
  proto: ProtoView,
  coeffs: Float32Array,
  offset: number,
  crop: CropRect,
  buf: Float64Array,
  bw: number,
  bh: number,
): void {
  const { x0, x1, y0, y1 } = crop;
  const { data, w: pw, k } = proto;
  if (proto.layout === "nhwc") {
    // Four partial sums: the additions of one sum wait on each other (FP add latency), four
    // independent chains do not. k4: the coefficients in multiples of 4, the rest after.
    const k4 = k & ~3;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const base = (y * pw + x) * k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let j = 0;
        for (; j < k4; j += 4) {
          s0 += data[base + j]! * coeffs[offset + j]!;
          s1 += data[base + j + 1]! * coeffs[offset + j + 1]!;
          s2 += data[base + j + 2]! * coeffs[offset + j + 2]!;
          s3 += data[base + j + 3]! * coeffs[offset + j + 3]!;
        }
        for (; j < k; j++) s0 += data[base + j]! * coeffs[offset + j]!;
        buf[(y - y0 + 1) * bw + (x - x0 + 1)] = s0 + s1 + (s2 + s3);
      }
    }
  } else {
    for (let y = 1; y < bh - 1; y++) buf.fill(0, y * bw + 1, y * bw + bw - 1);
    // Four planes per pass: one load and store of the sum per 4 multiply-adds (NCHW has the
    // coefficients' planes apart, so a pixel's k products cannot be summed in registers).
    const plane = proto.h * pw;
    let j = 0;
    for (; j + 4 <= k; j += 4) {
      const c0 = coeffs[offset + j]!;
      const c1 = coeffs[offset + j + 1]!;
      const c2 = coeffs[offset + j + 2]!;
      const c3 = coeffs[offset + j + 3]!;
      const p0 = j * plane;
      for (let y = y0; y < y1; y++) {
        const s0 = p0 + y * pw;
        const s1 = s0 + plane;
        const s2 = s1 + plane;
        const s3 = s2 + plane;
        const dst = (y - y0 + 1) * bw + 1 - x0;
        for (let x = x0; x < x1; x++)
          buf[dst + x] =
            buf[dst + x]! +
            (data[s0 + x]! * c0 + data[s1 + x]! * c1 + (data[s2 + x]! * c2 + data[s3 + x]! * c3));
      }
    }
    for (; j < k; j++) {
      const c = coeffs[offset + j]!;
      const pBase = j * plane;
      for (let y = y0; y < y1; y++) {
        const src = pBase + y * pw;
        const dst = (y - y0 + 1) * bw + 1 - x0;
        for (let x = x0; x < x1; x++) buf[dst + x] = buf[dst + x]! + data[src + x]! * c;
      }
    }
  }
}

/**
 * One detection's mask. `coeffs[offset … offset+k)` are its coefficients; `threshold` applies
 * to the upsampled sigmoid (strictly greater).
 */
export function assembleMask(
  proto: ProtoView,
  coeffs: Float32Array,
  offset: number,
  crop: CropRect,
  t: MaskTables,
  threshold: number,
): RleMask {
  const W = t.width;
  const H = t.height;
  const out = scratchRle.reset();
  const { x0, x1, y0, y1 } = crop;
  // Frame ranges whose taps reach inside the crop: i1 ≥ start and i0 ≤ end − 1.
  const fx0 = lowerBound(t.cols.i1, x0);
  const fx1 = lowerBound(t.cols.i0, x1);
  const fy0 = lowerBound(t.rows.i1, y0);
  const fy1 = lowerBound(t.rows.i0, y1);
  if (x1 <= x0 || y1 <= y0 || fx1 <= fx0 || fy1 <= fy0) return out.finish(W, H);

  // The linear combination (the mask logit) over the crop, with a 1-pixel border of −∞ (a
  // sigmoid of 0: cropped). The sigmoid is taken only where a value is interpolated.
  const bw = x1 - x0 + 2;
  const bh = y1 - y0 + 2;
  let buf: Float32Array | Float64Array;
  const { data, w: pw, k } = proto;
  if (t.dot !== undefined) {
    if (!t.dot.bound) {
      t.dot.kernel.bind(data, proto.h, pw, k);
      t.dot.bound = true;
    }
    buf = t.dot.kernel.dots(coeffs, offset, x0, x1, y0, y1);
  } else {
    buf = scratch.logits(bw * bh);
    buf.fill(-Infinity, 0, bw * bh);
    jsLogits(proto, coeffs, offset, crop, buf, bw, bh);
  }
  // A span is uniform when its 4 tap logits are clearly on one side of logit(threshold) —
  // by a margin far above float32 rounding of the sigmoid; spans within the margin are
  // evaluated pixel by pixel like any mixed span.
  const margin = 1e-5 / Math.max(threshold * (1 - threshold), 1e-6);
  const logitThreshold = Math.log(threshold / (1 - threshold));
  const below = logitThreshold - margin;
  const above = logitThreshold + margin;

  const { i0: ci0, i1: ci1, w1: cw } = t.cols;
  const { i0: ri0, i1: ri1, w1: rw } = t.rows;
  // The column spans of [fx0, fx1): pixels sharing their two column taps.
  const spanEnd = t.colSpanEnd;
  let nSpans = 0;
  for (let fx = fx0; fx < fx1; fx = Math.min(spanEnd[fx]!, fx1)) nSpans++;
  const spanFrom = scratch.spans(nSpans + 1);
  for (let fx = fx0, k = 0; fx < fx1; fx = Math.min(spanEnd[fx]!, fx1)) spanFrom[k++] = fx;
  spanFrom[nSpans] = fx1;
  // Per span, for the current pair of proto rows: 0 = all 4 taps ≤ threshold, 1 = all
  // above, 2 = mixed. Consecutive frame rows share a row pair (8 at 1024 over 128), and a
  // uniform span does not depend on the row weight, so it is classified once per pair ...
  // ... and the span's 4 taps (top-left, top-right, bottom-left, bottom-right) for mixed spans,
  // sigmoids of crop cells computed once per mask (neighbouring spans and row pairs share cells).
  const taps = scratch.taps(4 * nSpans);
  const sig = scratch.sigmoids(bw * bh);
  sig.fill(NaN, 0, bw * bh);
  const sigmoidAt = (i: number): number => {
    let v = sig[i]!;
    if (v !== v) v = sig[i] = 1 / (1 + Math.exp(-buf[i]!));
    return v;
  };
  // The row pair's spans as segments: consecutive uniform spans of one kind merged into one
  // segment, each mixed span its own — the rows of a pair then walk a few segments, not every span.
  const seg = scratch.segments(3 * nSpans);
  const segKind = scratch.segmentKinds(nSpans);
  let nSeg = 0;
  let pairR0 = -1;
  let pairR1 = -1;
  out.push(0, fy0 * W);
  for (let fy = fy0; fy < fy1; fy++) {
    const r0 = (ri0[fy]! - y0 + 1) * bw - x0 + 1;
    const r1 = (ri1[fy]! - y0 + 1) * bw - x0 + 1;
    const wy = rw[fy]!;
    if (r0 !== pairR0 || r1 !== pairR1) {
      pairR0 = r0;
      pairR1 = r1;
      nSeg = 0;
      for (let k = 0; k < nSpans; k++) {
        const fx = spanFrom[k]!;
        const ca = ci0[fx]!;
        const cb = ci1[fx]!;
        const ta = buf[r0 + ca]!;
        const tb = buf[r0 + cb]!;
        const ba = buf[r1 + ca]!;
        const bb = buf[r1 + cb]!;
        let kind: number;
        if (ta < below && tb < below && ba < below && bb < below) kind = 0;
        else if (ta > above && tb > above && ba > above && bb > above) kind = 1;
        else {
          kind = 2;
          // Sigmoid values as float32, as the upsampled mask is defined (and was stored).
          taps[4 * k] = sigmoidAt(r0 + ca);
          taps[4 * k + 1] = sigmoidAt(r0 + cb);
          taps[4 * k + 2] = sigmoidAt(r1 + ca);
          taps[4 * k + 3] = sigmoidAt(r1 + cb);
        }
        if (kind !== 2 && nSeg > 0 && segKind[nSeg - 1] === kind) {
          seg[3 * nSeg - 2] = spanFrom[k + 1]!;
          continue;
        }
        segKind[nSeg] = kind;
        seg[3 * nSeg] = fx;
        seg[3 * nSeg + 1] = spanFrom[k + 1]!;
        seg[3 * nSeg + 2] = k;
        nSeg++;
      }
    }
    let cur: 0 | 1 = 0;
    let run = fx0;
    for (let g = 0; g < nSeg; g++) {
      const from = seg[3 * g]!;
      const end = seg[3 * g + 1]!;
      const sk = segKind[g]!;
      if (sk !== 2) {
        // The whole segment is one value: every pixel is a convex combination of its 4 taps.
        if (sk === cur) run += end - from;
        else {
          out.push(cur, run);
          cur = sk === 1 ? 1 : 0;
          run = end - from;
        }
        continue;
      }
      const k = seg[3 * g + 2]!;
      const ta = taps[4 * k]!;
      const tb = taps[4 * k + 1]!;
      const ba = taps[4 * k + 2]!;
      const bb = taps[4 * k + 3]!;
      for (let fx = from; fx < end; fx++) {
        const wx = cw[fx]!;
        const top = ta + (tb - ta) * wx;
        const bot = ba + (bb - ba) * wx;
        const v: 0 | 1 = top + (bot - top) * wy > threshold ? 1 : 0;
        if (v === cur) run++;
        else {
          out.push(cur, run);
          cur = v;
          run = 1;
        }
      }
    }
    out.push(cur, run);
    out.push(0, W - fx1);
  }
  return out.finish(W, H);
}
