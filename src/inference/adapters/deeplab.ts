/**
 * DeepLab / LR-ASPP / DeepLabV3+ semantic adapter (specs/02): logits [1,C,h,w] (or [C,h,w])
 * covering the network input → Cityscapes label ids at frame size. The logits may be at the
 * network resolution (torchvision, VainF upsample in-graph) or lower; stretch and letterbox
 * geometry are undone through the same frame→network map.
 *
 * Two upsampling modes ("auto", the default, picks "logits" when the logits are coarser than
 * the network input — the model left the upsampling to us — else "argmax"):
 * - "argmax": argmax at logit resolution, then a nearest lookup per frame pixel.
 *   The argmax is channel-major (four class planes per pass over contiguous pixels against a
 *   running maximum, sequential memory) and writes label ids directly (the trainId → labelId
 *   table costs no extra pass); only logit rows some frame row samples are reduced; the
 *   nearest x/y tables are cached per geometry; equal frame rows are copied (copyWithin).
 *   When the frame is the logit grid the argmax writes straight into the result. Scratch
 *   (running max, label map) is reused across frames; the one allocation per frame is the
 *   result's class map, which the worker transfers.
 * - "logits": bilinear upsample of every class logit (align_corners=False) then argmax per
 *   frame pixel, as PyTorch's F.interpolate + argmax — computed exactly but only where it
 *   matters (logit-upsample.ts): class argmax at logit resolution, then interpolation only at
 *   class boundaries and only of the classes that can win there. Measured for the bundled
 *   model's 19 × 64×128 logits: ≈ 0.5 ms to a 512×256 frame, ≈ 1 ms to 1024×512 (the
 *   per-pixel interpolation of every class it replaces: ≈ 128 ms). A model that outputs
 *   logits at 1/4 resolution and leaves the upsampling to this mode also saves the in-graph
 *   resize and the copy of a 16× larger output (onnxruntime-node copies every output): a
 *   bare 2-thread session.run loop on deeplab-synth went from 73 to 158 frames/s.
 *
 * Per-frame cost against session.run: bench/inference.ts (postprocess ms and % of run).
 */
import { makeResult, type SegmentationResult } from "../result.js";
import { SimdArgmax } from "./argmax-simd.js";
import { lazyKernel } from "./wasm-encoder.js";
import { geometryMaps, linearTable, nearestTable, spanEnds } from "./geometry.js";
import { bilinearArgmax, type LogitTaps } from "./logit-upsample.js";
import { labelTable, requireOutput, unbatched } from "./tensors.js";
import type { AdapterContext, DeeplabOptions, Outputs } from "./types.js";

const PREFERRED = ["out", "logits", "output"];

/** The logits output: `opts.outputName`, else out/logits/output, else the only non-aux output. */
export function deeplabOutputName(outputs: Outputs, opts: DeeplabOptions = {}): string {
  if (opts.outputName !== undefined) return opts.outputName;
  for (const n of PREFERRED) if (outputs[n] !== undefined) return n;
  const rest = Object.keys(outputs).filter((n) => n !== "aux");
  if (rest.length === 1) return rest[0]!;
  throw new TypeError(
    `deeplab: cannot tell which output holds the logits (outputs: ${Object.keys(outputs).join(", ") || "none"}); set outputName`,
  );
}

/**
 * Per-thread scratch reused across frames (each worker has its own module instance and decodes
 * one frame at a time): the running maximum per logit pixel and the label map at logit size.
 * Neither escapes a call — the result gets a fresh array, which the worker transfers.
 */
let bestScratch = new Float32Array(0);
let labelScratch = new Uint8Array(0);

/** The WebAssembly SIMD argmax (argmax-simd.ts), created on first use; undefined without SIMD. */
const simdArgmax = lazyKernel(() => SimdArgmax.create());
const simdKernel = (): SimdArgmax | undefined => simdArgmax.get();

/** Tests and benchmarks: the SIMD argmax when available (default), or always the JS loop. */
export function useDeeplabSimd(on: boolean): void {
  simdArgmax.use(on);
}

/**
 * A Float32Array for C × plane logits inside the SIMD kernel's memory, to be handed to ORT as
 * the preallocated logits output: the argmax then reads ORT's output in place instead of copying
 * it in first (≈ 1.2 ms for 19 × 512×256). undefined without SIMD.
 */
export function deeplabLogitsBuffer(c: number, plane: number): Float32Array | undefined {
  return simdKernel()?.logitsView(c, plane);
}

/** Model class → label id (unmapped classes → 0), cached per label map and class count. */
const lutCache = new WeakMap<object, Uint8Array>();
function labelLut(labels: AdapterContext["labels"], c: number): Uint8Array {
  const hit = lutCache.get(labels);
  if (hit !== undefined && hit.length === c) return hit;
  const lut = labelTable(labels, c);
  const lut8 = new Uint8Array(c);
  for (let k = 0; k < c; k++) lut8[k] = Math.max(0, lut[k]!);
  lutCache.set(labels, lut8);
  return lut8;
}

/** Nearest x/y index tables for the last geometry seen (frame sizes rarely change in a stream). */
let tableKey = "";
let tableXs: Int32Array = new Int32Array(0);
let tableYs: Int32Array = new Int32Array(0);
function nearestTables(g: AdapterContext["geometry"], lw: number, lh: number): [Int32Array, Int32Array] {
  const key = `${g.frameWidth}x${g.frameHeight}|${lw}x${lh}|${g.netWidth}x${g.netHeight}|${g.resize}|${g.scale}|${g.padX}|${g.padY}`;
  if (key !== tableKey) {
    const maps = geometryMaps(g);
    tableXs = nearestTable(g.frameWidth, maps.x, lw, g.netWidth);
    tableYs = nearestTable(g.frameHeight, maps.y, lh, g.netHeight);
    tableKey = key;
  }
  return [tableXs, tableYs];
}

/** Bilinear frame → logit taps for the last geometry seen. */
let tapsKey = "";
let tapsCached: LogitTaps | undefined;
function logitTaps(g: AdapterContext["geometry"], lw: number, lh: number): LogitTaps {
  const key = `${g.frameWidth}x${g.frameHeight}|${lw}x${lh}|${g.netWidth}x${g.netHeight}|${g.resize}|${g.scale}|${g.padX}|${g.padY}`;
  if (key !== tapsKey || tapsCached === undefined) {
    const maps = geometryMaps(g);
    const cols = linearTable(g.frameWidth, maps.x, lw, g.netWidth);
    tapsCached = {
      cols,
      rows: linearTable(g.frameHeight, maps.y, lh, g.netHeight),
      colSpanEnd: spanEnds(cols),
    };
    tapsKey = key;
  }
  return tapsCached;
}

/** Class index → itself: the argmax then writes class indices instead of label ids. */
const IDENTITY = Uint8Array.from({ length: 256 }, (_, k) => k);

/**
 * Argmax over `c` class planes for logit pixels [from, to), written as label ids into
 * `out[from..to)` (first maximum wins, as a per-pixel scan would). Channel-major: each pass
 * streams four class planes over the contiguous pixel range against the running max in
 * `best`, so memory is read sequentially and the label table is applied at no extra pass.
 */
function argmaxLabels(
  data: Float32Array,
  c: number,
  plane: number,
  lut: Uint8Array,
  from: number,
  to: number,
  best: Float32Array,
  out: Uint8Array,
): void {
  best.set(data.subarray(from, to), from);
  out.fill(lut[0]!, from, to);
  let k = 1;
  for (; k + 3 < c; k += 4) {
    const o0 = k * plane;
    const o1 = o0 + plane;
    const o2 = o1 + plane;
    const o3 = o2 + plane;
    const l0 = lut[k]!;
    const l1 = lut[k + 1]!;
    const l2 = lut[k + 2]!;
    const l3 = lut[k + 3]!;
    for (let p = from; p < to; p++) {
      let b = best[p]!;
      let l = -1;
      let v = data[o0 + p]!;
      if (v > b) {
        b = v;
        l = l0;
      }
      v = data[o1 + p]!;
      if (v > b) {
        b = v;
        l = l1;
      }
      v = data[o2 + p]!;
      if (v > b) {
        b = v;
        l = l2;
      }
      v = data[o3 + p]!;
      if (v > b) {
        b = v;
        l = l3;
      }
      if (l >= 0) {
        best[p] = b;
        out[p] = l;
      }
    }
  }
  for (; k < c; k++) {
    const o = k * plane;
    const lk = lut[k]!;
    for (let p = from; p < to; p++) {
      const v = data[o + p]!;
      if (v > best[p]!) {
        best[p] = v;
        out[p] = lk;
      }
    }
  }
}

/** True when xs maps frame column x to logit column ⌊x / f⌋ (an exact f× nearest stretch). */
function isRepeat(xs: Int32Array, f: number): boolean {
  for (let x = 0; x < xs.length; x++) if (xs[x] !== Math.floor(x / f)) return false;
  return true;
}

/** True when the tables map frame pixel i to logit pixel i on both axes (frame = logit grid). */
function isIdentity(xs: Int32Array, ys: Int32Array, lw: number, lh: number): boolean {
  if (xs.length !== lw || ys.length !== lh) return false;
  for (let i = 0; i < lw; i++) if (xs[i] !== i) return false;
  for (let i = 0; i < lh; i++) if (ys[i] !== i) return false;
  return true;
}

export function decodeDeeplab(
  outputs: Outputs,
  ctx: AdapterContext,
  opts: DeeplabOptions = {},
): SegmentationResult {
  const name = deeplabOutputName(outputs, opts);
  const t = requireOutput(outputs, name, "deeplab");
  const [c, lh, lw] = unbatched(t, 3, `deeplab output "${name}"`) as [number, number, number];
  if (c < 1 || c > 256) throw new RangeError(`deeplab output "${name}" has ${c} classes, expected 1..256`);
  const lut8 = labelLut(ctx.labels, c);
  const g = ctx.geometry;
  const W = g.frameWidth;
  const H = g.frameHeight;
  const out = new Uint8Array(W * H);
  const data = t.data;
  const plane = lh * lw;

  if (bestScratch.length < plane) bestScratch = new Float32Array(plane);
  const kernel = simdKernel();
  /** `lut[argmax]` of logit pixels [from, to) into `into` (JS), or the kernel's label view. */
  const labelsOf = (from: number, to: number, into: Uint8Array, lut: Uint8Array = lut8): Uint8Array => {
    if (kernel === undefined) {
      argmaxLabels(data, c, plane, lut, from, to, bestScratch, into);
      return into;
    }
    const { labels, end } = kernel.argmax(data, c, plane, lut, from, to);
    if (end < to) argmaxLabels(data, c, plane, lut, end, to, bestScratch, labels);
    return labels;
  };
  const mode = opts.upsample ?? "auto";
  const coarse = lw < g.netWidth || lh < g.netHeight;
  if (mode === "argmax" || (mode === "auto" && !coarse)) {
    const [xs, ys] = nearestTables(g, lw, lh);
    if (isIdentity(xs, ys, lw, lh)) {
      const labels = labelsOf(0, plane, out);
      if (labels !== out) out.set(labels.subarray(0, plane));
    } else {
      if (labelScratch.length < plane) labelScratch = new Uint8Array(plane);
      let lab: Uint8Array = labelScratch;
      // Only logit rows some frame row samples (ys is non-decreasing), in contiguous runs.
      for (let y = 0; y < H;) {
        const r0 = ys[y]!;
        let r1 = r0;
        while (++y < H && ys[y]! <= r1 + 1) r1 = ys[y]!;
        lab = labelsOf(r0 * lw, (r1 + 1) * lw, labelScratch);
      }
      // Columns: an exact 2× or 4× stretch writes each label as one 16/32-bit word (byte
      // replicated); any other map looks every pixel up in xs.
      const f = W === 2 * lw && isRepeat(xs, 2) ? 2 : W === 4 * lw && isRepeat(xs, 4) ? 4 : 1;
      const out16 = f === 2 ? new Uint16Array(out.buffer, out.byteOffset, out.length >> 1) : undefined;
      const out32 = f === 4 ? new Uint32Array(out.buffer, out.byteOffset, out.length >> 2) : undefined;
      for (let y = 0; y < H; y++) {
        const row = y * W;
        if (y > 0 && ys[y] === ys[y - 1]) {
          out.copyWithin(row, row - W, row);
          continue;
        }
        const src = ys[y]! * lw;
        if (out16 !== undefined) {
          for (let i = 0, o = row >> 1; i < lw; i++) out16[o + i] = lab[src + i]! * 0x0101;
        } else if (out32 !== undefined) {
          for (let i = 0, o = row >> 2; i < lw; i++) out32[o + i] = lab[src + i]! * 0x01010101;
        } else {
          for (let x = 0; x < W; x++) out[row + x] = lab[src + xs[x]!]!;
        }
      }
    }
  } else {
    // Bilinear logits: class argmax at logit resolution, then only class boundaries are
    // interpolated (logit-upsample.ts) — unless the frame is the logit grid (weights all 0,
    // e.g. stride-2 logits of a 2× upscaled input): then the argmax is the answer.
    const taps = logitTaps(g, lw, lh);
    const onGrid =
      isIdentity(taps.cols.i0, taps.rows.i0, lw, lh) &&
      taps.cols.w1.every((w) => w === 0) &&
      taps.rows.w1.every((w) => w === 0);
    if (onGrid) {
      const labels = labelsOf(0, plane, out);
      if (labels !== out) out.set(labels.subarray(0, plane));
    } else {
      if (labelScratch.length < plane) labelScratch = new Uint8Array(plane);
      // Class indices (identity table), not label ids: classes sharing a label id still differ.
      const classes = labelsOf(0, plane, labelScratch, IDENTITY);
      bilinearArgmax(data, c, lw, lh, classes, taps, lut8, out, W, H);
    }
  }
  return makeResult({
    frameId: ctx.frameId,
    sourceId: ctx.sourceId,
    stampNs: ctx.stampNs,
    width: W,
    height: H,
    semantic: { width: W, height: H, classIds: out },
  });
}
