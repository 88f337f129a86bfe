/**
 * Bilinear upsampling of C class-logit planes to the frame (align_corners=False, as PyTorch's
 * `F.interpolate(logits, size, mode="bilinear")`) followed by the per-pixel argmax — without
 * interpolating C values at every frame pixel.
 *
 * A frame pixel's logit vector is a convex combination of the vectors at its 4 taps. Where all
 * 4 taps have the same argmax class k, k is the argmax of every such combination (for each
 * other class j, every tap has l_k ≥ l_j, and > for j < k, so the weighted sums keep the order,
 * first maximum included), so the pixel gets k without interpolating anything. Only pixels
 * whose taps disagree — class boundaries — are interpolated, and there only the classes that
 * can win: class j can only be the argmax somewhere in the cell if its largest tap value
 * reaches the largest of the classes' smallest tap values (a pixel's value of a class lies
 * between its smallest and largest tap values). Typically 2–3 classes remain.
 *
 * Frame columns (rows) sharing their two column (row) taps form spans; spans and their
 * candidate classes are classified once per pair of logit rows and reused by every frame row
 * between them. Per pixel: lerp across the rows on both tap columns (once per span and frame
 * row), then across the columns, in float64 (PyTorch lerps columns first; the order changes
 * only the last bits of a value, never the class where one wins by more than that).
 */
import type { LinearTable } from "./geometry.js";

/** Frame → logit bilinear taps along both axes, with column spans (see proto-masks.ts). */
export interface LogitTaps {
  readonly cols: LinearTable;
  readonly rows: LinearTable;
  /** For frame column x: the end (exclusive) of the span of columns sharing x's taps. */
  readonly colSpanEnd: Int32Array;
}

/** Relative margin on the candidate test so float64 rounding can never drop a winner. */
const MARGIN = 1e-6;

/**
 * `cls[p]`: the argmax class (first maximum) of logit pixel p; `data`: c planes of lh × lw
 * logits; `lut`: class → label id. Writes W × H label ids into `out`.
 */
export function bilinearArgmax(
  data: Float32Array,
  c: number,
  lw: number,
  lh: number,
  cls: Uint8Array,
  taps: LogitTaps,
  lut: Uint8Array,
  out: Uint8Array,
  W: number,
  H: number,
): void {
  const plane = lw * lh;
  if (data.length < c * plane || cls.length < plane || out.length < W * H) {
    throw new RangeError(
      `bilinearArgmax: ${c}x${lh}x${lw} logits need ${c * plane} values and ${plane} classes, ` +
        `${W}x${H} output ${W * H} bytes; got ${data.length}, ${cls.length}, ${out.length}`,
    );
  }
  const { i0: ci0, i1: ci1, w1: cw } = taps.cols;
  const { i0: ri0, i1: ri1, w1: rw } = taps.rows;
  const spanEnd = taps.colSpanEnd;
  // The column spans: frame columns sharing both column taps.
  let nSpans = 0;
  for (let x = 0; x < W; x = spanEnd[x]!) nSpans++;
  const spanFrom = new Int32Array(nSpans + 1);
  for (let x = 0, s = 0; x < W; x = spanEnd[x]!) spanFrom[s++] = x;
  spanFrom[nSpans] = W;
  // For the current pair of logit rows, the mixed spans (taps of more than one class) in order:
  // mixed[q] is a span index, its candidate classes candList[candFrom[q] … candFrom[q + 1])
  // with their 4 tap values each. Uniform spans are written when the pair is classified.
  const mixed = new Int32Array(nSpans);
  const candFrom = new Int32Array(nSpans + 1);
  let nMixed = 0;
  let candList = new Uint8Array(4 * nSpans);
  let candTaps = new Float64Array(16 * nSpans);
  let pairR0 = -1;
  let pairR1 = -1;
  let pairRow = -1;
  const tapClasses = new Int32Array(4);
  let colVals = new Float64Array(8 * nSpans);
  // Quads: where spans s … s+3 use logit columns a … a+4 (a a multiple of 4, each span's taps
  // a+i, a+i+1 — an upsampling by ≥ 2), a pair of logit rows is tested 4 cells at a time: two
  // 32-bit words of classes equal to one class, and the cell after them too, make all 4 spans
  // uniform at once. quadStart[s] = 1 where such a quad starts.
  const aligned = lw % 4 === 0 && cls.byteOffset % 4 === 0;
  const cls32 = aligned ? new Uint32Array(cls.buffer, cls.byteOffset, plane >> 2) : undefined;
  const quadStart = new Uint8Array(nSpans);
  if (cls32 !== undefined) {
    for (let s = 0; s + 4 <= nSpans; s++) {
      const a = ci0[spanFrom[s]!]!;
      if (a % 4 !== 0 || a + 4 >= lw) continue;
      let ok = true;
      for (let i = 0; i < 4 && ok; i++) {
        const f = spanFrom[s + i]!;
        ok = ci0[f] === a + i && ci1[f] === a + i + 1;
      }
      if (ok) quadStart[s] = 1;
    }
  }

  for (let y = 0; y < H; y++) {
    const r0 = ri0[y]! * lw;
    const r1 = ri1[y]! * lw;
    const row = y * W;
    if (r0 === pairR0 && r1 === pairR1) {
      // Same logit rows as the row above: its uniform spans are this row's; only the mixed
      // spans depend on the row weight and are redone below.
      out.copyWithin(row, pairRow, pairRow + W);
    } else {
      pairR0 = r0;
      pairR1 = r1;
      pairRow = row;
      let n = 0;
      nMixed = 0;
      // Consecutive uniform spans of one label are written as one run (a native fill).
      let runLabel = -1;
      let runFrom = 0;
      for (let s = 0; s < nSpans; s++) {
        const from = spanFrom[s]!;
        const a = ci0[from]!;
        if (quadStart[s] === 1) {
          const k = cls[r0 + a]!;
          const rep = k * 0x01010101;
          if (
            cls32![(r0 + a) >> 2] === rep &&
            cls32![(r1 + a) >> 2] === rep &&
            cls[r0 + a + 4] === k &&
            cls[r1 + a + 4] === k
          ) {
            const u = lut[k]!;
            if (u !== runLabel) {
              if (runLabel >= 0) out.fill(runLabel, row + runFrom, row + from);
              runLabel = u;
              runFrom = from;
            }
            s += 3;
            continue;
          }
        }
        const b = ci1[from]!;
        const k = cls[r0 + a]!;
        if (k === cls[r0 + b] && k === cls[r1 + a] && k === cls[r1 + b]) {
          const u = lut[k]!;
          if (u !== runLabel) {
            if (runLabel >= 0) out.fill(runLabel, row + runFrom, row + from);
            runLabel = u;
            runFrom = from;
          }
          continue;
        }
        if (runLabel >= 0) out.fill(runLabel, row + runFrom, row + from);
        runLabel = -1;
        mixed[nMixed] = s;
        candFrom[nMixed++] = n;
        // A lower bound of every pixel's maximum: the tap classes' smallest tap values.
        tapClasses[0] = k;
        tapClasses[1] = cls[r0 + b]!;
        tapClasses[2] = cls[r1 + a]!;
        tapClasses[3] = cls[r1 + b]!;
        let floor = -Infinity;
        for (let t = 0; t < 4; t++) {
          const o = tapClasses[t]! * plane;
          const lo = Math.min(data[o + r0 + a]!, data[o + r0 + b]!, data[o + r1 + a]!, data[o + r1 + b]!);
          if (lo > floor) floor = lo;
        }
        const bar = floor - MARGIN * (Math.abs(floor) + 1);
        for (let j = 0, o = 0; j < c; j++, o += plane) {
          const v00 = data[o + r0 + a]!;
          const v01 = data[o + r0 + b]!;
          const v10 = data[o + r1 + a]!;
          const v11 = data[o + r1 + b]!;
          if (v00 < bar && v01 < bar && v10 < bar && v11 < bar) continue;
          if (n === candList.length) {
            const grownList = new Uint8Array(2 * n);
            grownList.set(candList);
            candList = grownList;
            const grownTaps = new Float64Array(8 * n);
            grownTaps.set(candTaps);
            candTaps = grownTaps;
          }
          candList[n] = j;
          candTaps[4 * n] = v00;
          candTaps[4 * n + 1] = v01;
          candTaps[4 * n + 2] = v10;
          candTaps[4 * n + 3] = v11;
          n++;
        }
      }
      if (runLabel >= 0) out.fill(runLabel, row + runFrom, row + W);
      candFrom[nMixed] = n;
    }
    const wy = rw[y]!;
    if (colVals.length < 2 * candFrom[nMixed]!) colVals = new Float64Array(2 * candTaps.length);
    for (let m = 0; m < nMixed; m++) {
      const s = mixed[m]!;
      const from = spanFrom[s]!;
      const end = spanFrom[s + 1]!;
      const c0 = candFrom[m]!;
      const c1 = candFrom[m + 1]!;
      // Across the rows once per span: each candidate's values on the span's two tap columns.
      for (let q = c0; q < c1; q++) {
        const t = 4 * q;
        colVals[2 * q] = (1 - wy) * candTaps[t]! + wy * candTaps[t + 2]!;
        colVals[2 * q + 1] = (1 - wy) * candTaps[t + 1]! + wy * candTaps[t + 3]!;
      }
      for (let x = from; x < end; x++) {
        const wx = cw[x]!;
        let best = -Infinity;
        let arg = 0;
        for (let q = c0; q < c1; q++) {
          const v = (1 - wx) * colVals[2 * q]! + wx * colVals[2 * q + 1]!;
          if (v > best) {
            best = v;
            arg = candList[q]!;
          }
        }
        out[row + x] = lut[arg]!;
      }
    }
  }
}
