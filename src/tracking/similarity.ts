/**
 * Similarities for association: box IoU and mask IoU.
 *
 * Boxes are x1, y1, x2, y2 in continuous pixel coordinates (a pixel x covers [x, x + 1)), IoU
 * without ByteTrack's "+1" area convention (specs/06 §3 note).
 *
 * Masks for association are kept as row spans (`SpanMask`): sorted (y, x0, x1) triples
 * converted once from the row-major RLE. Spans make the intersection of a mask *shifted by an
 * integer (dx, dy)* with another mask a single merge over both span lists (RLE runs would wrap
 * around row ends when shifted), which is how a track's last mask is moved by the Kalman-
 * predicted displacement before it is compared with this frame's detections.
 */
import { RleBuilder } from "../frames/rle.js";
import type { RleMask } from "../inference/result.js";

/** Intersection over union of two x1y1x2y2 boxes stored at offsets `ia` in `a` and `ib` in `b`. */
export function boxIou(a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number): number {
  const ax1 = a[ia]!;
  const ay1 = a[ia + 1]!;
  const ax2 = a[ia + 2]!;
  const ay2 = a[ia + 3]!;
  const bx1 = b[ib]!;
  const by1 = b[ib + 1]!;
  const bx2 = b[ib + 2]!;
  const by2 = b[ib + 3]!;
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  if (!(iw > 0)) return 0;
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (!(ih > 0)) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * A binary mask as sorted, disjoint row spans, interleaved in `spans`: for span k,
 * row `spans[3k]`, columns [`spans[3k + 1]`, `spans[3k + 2]`).
 */
export interface SpanMask {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  readonly spans: Int32Array;
  readonly area: number;
}

/** Converts a row-major RLE mask to row spans (runs crossing row ends are split). */
export function rleToSpans(rle: RleMask): SpanMask {
  const w = rle.width;
  const c = rle.counts;
  // Upper bound of spans: each foreground run adds 1 plus one per row boundary crossed.
  let cap = 0;
  let pos = 0;
  for (let i = 0; i < c.length; i++) {
    const n = c[i]!;
    if (i & 1 && n > 0) cap += 1 + Math.floor((pos + n - 1) / w) - Math.floor(pos / w);
    pos += n;
  }
  const spans = new Int32Array(3 * cap);
  let k = 0;
  let area = 0;
  pos = 0;
  for (let i = 0; i < c.length; i++) {
    const n = c[i]!;
    if (i & 1 && n > 0) {
      area += n;
      let p = pos;
      const end = pos + n;
      let y = Math.floor(p / w);
      let rowStart = y * w;
      while (p < end) {
        const rowEnd = rowStart + w;
        const e = end < rowEnd ? end : rowEnd;
        spans[k++] = y;
        spans[k++] = p - rowStart;
        spans[k++] = e - rowStart;
        p = e;
        y++;
        rowStart = rowEnd;
      }
    }
    pos += n;
  }
  return { width: w, height: rle.height, count: k / 3, spans, area };
}

/** Foreground pixels of `a` shifted by (dx, dy) that stay inside the frame. */
export function shiftedArea(a: SpanMask, dx: number, dy: number): number {
  if (dx === 0 && dy === 0) return a.area;
  const w = a.width;
  const s = a.spans;
  let area = 0;
  for (let k = 0; k < 3 * a.count; k += 3) {
    const y = s[k]! + dy;
    if (y < 0 || y >= a.height) continue;
    const x0 = Math.max(0, s[k + 1]! + dx);
    const x1 = Math.min(w, s[k + 2]! + dx);
    if (x1 > x0) area += x1 - x0;
  }
  return area;
}

/** Pixels shared by `a` shifted by integer (dx, dy) and `b` (same frame size), by merging spans. */
export function shiftedIntersection(a: SpanMask, dx: number, dy: number, b: SpanMask): number {
  const w = a.width;
  const sa = a.spans;
  const sb = b.spans;
  const na = 3 * a.count;
  const nb = 3 * b.count;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < na && j < nb) {
    const ya = sa[i]! + dy;
    const yb = sb[j]!;
    if (ya < yb) {
      i += 3;
      continue;
    }
    if (ya > yb) {
      j += 3;
      continue;
    }
    let ax0 = sa[i + 1]! + dx;
    let ax1 = sa[i + 2]! + dx;
    if (ax0 < 0) ax0 = 0;
    if (ax1 > w) ax1 = w;
    const bx0 = sb[j + 1]!;
    const bx1 = sb[j + 2]!;
    const lo = ax0 > bx0 ? ax0 : bx0;
    const hi = ax1 < bx1 ? ax1 : bx1;
    if (hi > lo) inter += hi - lo;
    if (ax1 < bx1) i += 3;
    else j += 3;
  }
  return inter;
}

/** IoU of `a` shifted by integer (dx, dy) (clipped to the frame) and `b`; 0 when both are empty. */
export function shiftedMaskIou(a: SpanMask, dx: number, dy: number, b: SpanMask): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`mask sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const inter = shiftedIntersection(a, dx, dy, b);
  const union = shiftedArea(a, dx, dy) + b.area - inter;
  return union > 0 ? inter / union : 0;
}

/** Index (in spans, a multiple of 3) of the first span on row ≥ y. */
function firstSpanAtRow(m: SpanMask, y: number): number {
  let lo = 0;
  let hi = m.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (m.spans[3 * mid]! < y) lo = mid + 1;
    else hi = mid;
  }
  return 3 * lo;
}

/** Whether two span masks share a pixel; only the rows both cover are visited. */
export function spansOverlap(a: SpanMask, b: SpanMask): boolean {
  if (a.count === 0 || b.count === 0) return false;
  const sa = a.spans;
  const sb = b.spans;
  const y0 = Math.max(sa[0]!, sb[0]!);
  const y1 = Math.min(sa[3 * a.count - 3]!, sb[3 * b.count - 3]!);
  if (y0 > y1) return false;
  let i = firstSpanAtRow(a, y0);
  let j = firstSpanAtRow(b, y0);
  const na = 3 * a.count;
  const nb = 3 * b.count;
  while (i < na && j < nb) {
    const ya = sa[i]!;
    const yb = sb[j]!;
    if (ya > y1 || yb > y1) return false;
    if (ya < yb) i += 3;
    else if (ya > yb) j += 3;
    else {
      if (sa[i + 1]! < sb[j + 2]! && sb[j + 1]! < sa[i + 2]!) return true;
      if (sa[i + 2]! < sb[j + 2]!) i += 3;
      else j += 3;
    }
  }
  return false;
}

let subtractScratch = new Uint32Array(1024);

/**
 * `a` minus `b` on row-major RLE runs (same frame size), by merging the runs; returns `a`
 * itself when nothing is removed.
 */
export function rleSubtract(a: RleMask, b: RleMask): RleMask {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`RLE sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const ca = a.counts;
  const cb = b.counts;
  if (subtractScratch.length < ca.length + 2) subtractScratch = new Uint32Array(2 * ca.length + 2);
  const out = subtractScratch;
  // Runs are written to a reusable scratch buffer (grown on demand) and copied out once.
  let len = 1;
  out[0] = 0;
  let outVal = 0;
  let removed = false;
  let ia = 0;
  let ib = 0;
  let endA = ca[0] ?? 0;
  let endB = cb[0] ?? 0;
  let pos = 0;
  let buf = out;
  while (ia < ca.length && ib < cb.length) {
    const end = endA < endB ? endA : endB;
    const n = end - pos;
    if (n > 0) {
      const fa = ia & 1;
      const v = fa && !(ib & 1) ? 1 : 0;
      if (fa && !v) removed = true;
      if (v === outVal) buf[len - 1]! += n;
      else {
        if (len === buf.length) {
          const grown = new Uint32Array(2 * buf.length);
          grown.set(buf);
          buf = grown;
          subtractScratch = grown;
        }
        buf[len++] = n;
        outVal = v;
      }
    }
    pos = end;
    if (endA === end) {
      ia++;
      endA += ca[ia] ?? 0;
    }
    if (endB === end) {
      ib++;
      endB += cb[ib] ?? 0;
    }
  }
  if (!removed) return a;
  return { width: a.width, height: a.height, counts: buf.slice(0, len) };
}

/**
 * `a` shifted by integer (dx, dy), clipped to the frame, as a row-major RLE mask, with its
 * bounds [x1, y1, x2, y2) (null when nothing stays inside the frame).
 */
export function shiftedSpansToRle(
  a: SpanMask,
  dx: number,
  dy: number,
): { mask: RleMask; box: [number, number, number, number] | null } {
  const w = a.width;
  const s = a.spans;
  const rle = new RleBuilder();
  let pos = 0;
  let x1 = w;
  let y1 = a.height;
  let x2 = 0;
  let y2 = 0;
  for (let k = 0; k < 3 * a.count; k += 3) {
    const y = s[k]! + dy;
    if (y < 0 || y >= a.height) continue;
    const x0 = Math.max(0, s[k + 1]! + dx);
    const xe = Math.min(w, s[k + 2]! + dx);
    if (xe <= x0) continue;
    const start = y * w + x0;
    rle.push(0, start - pos);
    rle.push(1, xe - x0);
    pos = y * w + xe;
    if (x0 < x1) x1 = x0;
    if (xe > x2) x2 = xe;
    if (y < y1) y1 = y;
    if (y + 1 > y2) y2 = y + 1;
  }
  const mask = rle.finish(w, a.height);
  return { mask, box: x2 > x1 ? [x1, y1, x2, y2] : null };
}

/**
 * 1 − (distance between the box centres) / (mean of the two boxes' sizes), clamped at 0; the
 * size of a box is √(w·h), at least 1 px; 0 for an empty box.
 */
export function centreProximity(a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number): number {
  const aw = a[ia + 2]! - a[ia]!;
  const ah = a[ia + 3]! - a[ia + 1]!;
  const bw = b[ib + 2]! - b[ib]!;
  const bh = b[ib + 3]! - b[ib + 1]!;
  if (!(aw > 0 && ah > 0 && bw > 0 && bh > 0)) return 0;
  const dx = a[ia]! + a[ia + 2]! - b[ib]! - b[ib + 2]!;
  const dy = a[ia + 1]! + a[ia + 3]! - b[ib + 1]! - b[ib + 3]!;
  const dist = 0.5 * Math.sqrt(dx * dx + dy * dy);
  const size = 0.5 * (Math.max(1, Math.sqrt(aw * ah)) + Math.max(1, Math.sqrt(bw * bh)));
  const p = 1 - dist / size;
  return p > 0 ? p : 0;
}

/** Per-detection lazily converted masks. */
export class DetectionMasks {
  private readonly spans: (SpanMask | undefined)[];
  constructor(
    private readonly masks: readonly RleMask[],
    converted: readonly (SpanMask | undefined)[] = [],
  ) {
    this.spans = new Array<SpanMask | undefined>(masks.length);
    converted.forEach((c, i) => (this.spans[i] = c));
  }

  /** The same masks followed by `more`, keeping the conversions already done. */
  extend(more: readonly RleMask[]): DetectionMasks {
    return new DetectionMasks([...this.masks, ...more], this.spans);
  }
  get(i: number): SpanMask {
    let s = this.spans[i];
    if (s === undefined) {
      s = rleToSpans(this.masks[i]!);
      this.spans[i] = s;
    }
    return s;
  }
}
