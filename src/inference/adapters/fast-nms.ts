/**
 * YOLACT Fast NMS for one class (specs/01 §6): sort candidates by score descending, keep the
 * first topK, and keep box j iff its maximum IoU with any *higher-ranked* box (the strictly
 * upper-triangular IoU matrix, column max) is ≤ the threshold. A suppressed box still
 * suppresses the boxes below it — unlike greedy NMS.
 *
 * Cost: the top-K selection is one native numeric sort of packed (score, index) keys; the
 * K²/2 IoU scan reads the ranked boxes from one contiguous array and rejects non-overlapping
 * pairs before any division — most pairs, since YOLACT keeps every class's score for every
 * candidate prior. IoU values are computed exactly as `boxIou`.
 * When several classes rank the same candidates (YOLACT's per-class NMS), `overlapGraph`
 * tests every pair once and each class's scan walks a box's neighbours.
 */

/**
 * Largest candidate count for which `overlapGraph` is built: its edge lists are bounded by
 * m·(m−1) entries (4 MiB at 1024), and far fewer in practice — only pairs above the threshold.
 */
export const OVERLAP_GRAPH_MAX = 1024;

/**
 * The pairs of the first `count` boxes whose IoU exceeds the threshold, as adjacency lists
 * (compressed rows): the neighbours of box i are `neighbours[start[i] … start[i+1])`.
 * Symmetric; a box is not its own neighbour.
 */
export interface OverlapGraph {
  readonly count: number;
  readonly start: Int32Array;
  readonly neighbours: Int32Array;
}

/**
 * `overlapGraph(boxes, m, t)`: every pair (i, j) of the first `m` boxes (xyxy) with IoU > t,
 * with the same arithmetic as `fastNms`. YOLACT ranks the same candidates once per class; the
 * pairs are tested once here and each class's Fast NMS walks a box's few neighbours instead of
 * every higher-ranked box. Sparse: most candidate pairs do not overlap that much, so there is no
 * m² table to allocate and clear per frame.
 */
export function overlapGraph(boxes: Float32Array, m: number, iouThreshold: number): OverlapGraph {
  if (!Number.isInteger(m) || m < 0 || m > OVERLAP_GRAPH_MAX || 4 * m > boxes.length) {
    throw new RangeError(
      `overlapGraph: m must be an integer in [0, ${OVERLAP_GRAPH_MAX}] with 4·m ≤ ${boxes.length} box values, got ${m}`,
    );
  }
  // Sweep along x: boxes sorted by x1; box i is only tested against the later boxes that start
  // early enough to overlap it by the threshold — the rest cannot. Same pair set as testing all
  // m²/2. The boxes are copied in sweep order (exact float32 copies) so the inner loop reads
  // memory in order; `order` maps a sorted position back to the candidate index.
  const order = ascendingOrder(boxes, m);
  const sorted = new Float32Array(4 * m);
  for (let p = 0; p < m; p++) sorted.set(boxes.subarray(4 * order[p]!, 4 * order[p]! + 4), 4 * p);
  const area = boxAreas(sorted, m);
  let pairs = new Int32Array(256);
  let n = 0;
  const degree = new Int32Array(m + 1);
  // A later box q (x1_q ≥ x1_p) overlaps p by iw ≤ x2_p − x1_q, and IoU > t needs
  // iw·h_p ≥ inter > t·union ≥ t·w_p·h_p, i.e. x1_q < x2_p − t·w_p: the sweep stops there
  // (with a 1e-9 relative slack, far above float rounding, so no qualifying pair is skipped).
  const slack = iouThreshold * (1 - 1e-9);
  for (let p = 0; p < m; p++) {
    const x2 = sorted[4 * p + 2]!;
    const limit = Math.min(x2, x2 - slack * (x2 - sorted[4 * p]!));
    const i = order[p]!;
    for (let q = p + 1; q < m; q++) {
      if (!(sorted[4 * q]! < limit)) break;
      if (iouAbove(sorted, area, p, q, iouThreshold)) {
        if (n + 2 > pairs.length) {
          const grown = new Int32Array(2 * pairs.length);
          grown.set(pairs);
          pairs = grown;
        }
        const j = order[q]!;
        pairs[n++] = i;
        pairs[n++] = j;
        degree[i]!++;
        degree[j]!++;
      }
    }
  }
  // Counting sort into rows (a row's order: the sweep's; NMS only asks whether any neighbour ranks higher).
  const start = new Int32Array(m + 1);
  for (let i = 0; i < m; i++) start[i + 1] = start[i]! + degree[i]!;
  const fill = start.slice(0, m);
  const neighbours = new Int32Array(n);
  for (let e = 0; e < n; e += 2) {
    const i = pairs[e]!;
    const j = pairs[e + 1]!;
    neighbours[fill[i]!++] = j;
    neighbours[fill[j]!++] = i;
  }
  return { count: m, start, neighbours };
}

/**
 * A float32's IEEE-754 bits as a uint32 that orders like the float: non-negative floats order as
 * their bits, negative ones in reverse below all of those; −0 ties with +0.
 */
function sortableBits(bits: number): number {
  const b = bits === 0x80000000 ? 0 : bits;
  return b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
}

/**
 * Indices of the first `m` boxes by ascending x1 (ties: lower index first), one native sort of
 * float64 keys (the float32 x1 as an order-preserving uint32, times 2²⁰, plus the index).
 */
function ascendingOrder(boxes: Float32Array, m: number): Int32Array {
  const bits = new Uint32Array(boxes.buffer, boxes.byteOffset, 4 * m);
  const keys = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    keys[i] = sortableBits(bits[4 * i]!) * INDEX_BITS + i;
  }
  keys.sort();
  const order = new Int32Array(m);
  for (let p = 0; p < m; p++) order[p] = keys[p]! % INDEX_BITS;
  return order;
}

/** Areas of the first `n` boxes (xyxy). */
function boxAreas(boxes: Float32Array, n: number): Float64Array {
  const area = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    area[i] = (boxes[4 * i + 2]! - boxes[4 * i]!) * (boxes[4 * i + 3]! - boxes[4 * i + 1]!);
  }
  return area;
}

/**
 * IoU(box i, box j) > threshold, computed as `boxIou` does; non-overlapping pairs are
 * rejected before the division.
 */
function iouAbove(b: Float32Array, area: Float64Array, i: number, j: number, threshold: number): boolean {
  const iw = Math.min(b[4 * i + 2]!, b[4 * j + 2]!) - Math.max(b[4 * i]!, b[4 * j]!);
  if (iw <= 0) return false;
  const ih = Math.min(b[4 * i + 3]!, b[4 * j + 3]!) - Math.max(b[4 * i + 1]!, b[4 * j + 1]!);
  if (ih <= 0) return false;
  const inter = iw * ih;
  const u = area[i]! + area[j]! - inter;
  return u > 0 && inter / u > threshold;
}

const INDEX_BITS = 2 ** 20;

/**
 * Candidate indices of the `k` highest scores, in descending score order (ties: lower index
 * first). One native sort of float64 keys: a score's IEEE-754 bits mapped to an order-preserving
 * uint32, times 2²⁰, plus the reversed index — exact (52 bits), no comparator calls.
 */
export function topKOrder(scores: Float32Array, k: number): number[] {
  const n = scores.length;
  if (k <= 0 || n === 0) return [];
  if (n >= INDEX_BITS) {
    const byScore = (a: number, b: number): number => scores[b]! - scores[a]! || a - b;
    return Array.from({ length: n }, (_, i) => i)
      .sort(byScore)
      .slice(0, k);
  }
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, n);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = sortableBits(bits[i]!) * INDEX_BITS + (INDEX_BITS - 1 - i);
  }
  const count = Math.min(k, n);
  // The keys are distinct: select the `count` largest (unordered) into the tail, sort only those.
  const top = count < n >> 1 ? (quickselect(keys, n - count), keys.subarray(n - count)) : keys;
  top.sort();
  const t = top.length;
  const order = new Array<number>(count);
  for (let r = 0; r < count; r++) order[r] = INDEX_BITS - 1 - (top[t - 1 - r]! % INDEX_BITS);
  return order;
}

/**
 * Quickselect (Hoare partition, median-of-three pivot): reorders `a` so that a[p] holds the
 * value it would have if sorted, everything before it is ≤ and everything after ≥.
 */
function quickselect(a: Float64Array, p: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three to a[mid]
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (p <= j) hi = j;
    else if (p >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * `boxes`: candidate boxes (xyxy, any units); `scores[i]`: candidate i's score for this class.
 * Returns the kept candidate indices in descending score order. `overlaps`, when given, is
 * `overlapGraph(boxes, scores.length, iouThreshold)` and replaces the IoU computations: box j is
 * suppressed iff one of its neighbours ranks above it within the top K.
 */
export function fastNms(
  boxes: Float32Array,
  scores: Float32Array,
  iouThreshold: number,
  topK: number,
  overlaps?: OverlapGraph,
): number[] {
  const order = topKOrder(scores, topK);
  const k = order.length;
  if (overlaps !== undefined) {
    const m = scores.length;
    if (overlaps.count !== m) {
      throw new RangeError(
        `fastNms: overlap graph has ${overlaps.count} boxes, expected ${m} (one per score)`,
      );
    }
    // rank[i] = i's position in the top K, or k (not ranked: suppresses nobody).
    const rank = new Int32Array(m).fill(k);
    for (let r = 0; r < k; r++) rank[order[r]!] = r;
    const { start, neighbours } = overlaps;
    const kept: number[] = [];
    for (let r = 0; r < k; r++) {
      const j = order[r]!;
      const end = start[j + 1]!;
      let e = start[j]!;
      while (e < end && rank[neighbours[e]!]! >= r) e++;
      if (e === end) kept.push(j);
    }
    return kept;
  }
  // The ranked boxes, contiguous (exact float32 copies), and their areas.
  const rb = new Float32Array(4 * k);
  for (let r = 0; r < k; r++) rb.set(boxes.subarray(4 * order[r]!, 4 * order[r]! + 4), 4 * r);
  const area = boxAreas(rb, k);
  const kept: number[] = [];
  for (let j = 0; j < k; j++) {
    let i = 0;
    while (i < j && !iouAbove(rb, area, i, j, iouThreshold)) i++;
    if (i === j) kept.push(order[j]!);
  }
  return kept;
}
