/**
 * Run-length encoded binary masks, row-major.
 *
 * `counts` alternates runs of 0s and 1s and always starts with a run of 0s (which may be 0
 * long); the runs sum to `width × height`. Unlike COCO's RLE (column-major) the runs follow
 * the frame's own pixel order, so painting and cropping need no transpose. Every operation
 * here works on the runs directly (no per-pixel allocation); only `decodeRle` expands them.
 */
import type { RleMask } from "../inference/result.js";

export type { RleMask };

/**
 * Appends runs to a growing counts buffer; consecutive runs of the same value merge.
 * Adapters use it to emit a mask row by row without ever materialising the frame-size mask.
 */
export class RleBuilder {
  private counts = new Uint32Array(64);
  private n = 1; // counts[0] is the (possibly empty) leading run of 0s
  private value: 0 | 1 = 0;
  private total = 0;

  /** Adds `length` pixels of `value` (0 or 1). */
  push(value: 0 | 1, length: number): void {
    if (length <= 0) return;
    this.total += length;
    if (value === this.value) {
      this.counts[this.n - 1]! += length;
      return;
    }
    if (this.n === this.counts.length) {
      const grown = new Uint32Array(this.counts.length * 2);
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[this.n++] = length;
    this.value = value;
  }

  /** Pixels pushed so far. */
  get length(): number {
    return this.total;
  }

  /** Empties the builder for the next mask, keeping its buffer (finish() returns a copy). */
  reset(): this {
    this.n = 1;
    this.counts[0] = 0;
    this.value = 0;
    this.total = 0;
    return this;
  }

  /** Finishes the mask; pads with 0s up to width × height. */
  finish(width: number, height: number): RleMask {
    const size = width * height;
    if (this.total > size) {
      throw new RangeError(`RLE runs cover ${this.total} pixels, more than ${width}x${height} = ${size}`);
    }
    this.push(0, size - this.total);
    return { width, height, counts: this.counts.slice(0, this.n) };
  }
}

/** Encodes a row-major mask (any non-zero byte is foreground). */
export function encodeRle(mask: Uint8Array, width: number, height: number): RleMask {
  const size = width * height;
  if (mask.length !== size) {
    throw new RangeError(`mask has length ${mask.length}, expected ${size} (${width}x${height})`);
  }
  const b = new RleBuilder();
  let start = 0;
  let cur: 0 | 1 = 0;
  for (let i = 0; i < size; i++) {
    const v: 0 | 1 = mask[i] !== 0 ? 1 : 0;
    if (v !== cur) {
      b.push(cur, i - start);
      start = i;
      cur = v;
    }
  }
  b.push(cur, size - start);
  return b.finish(width, height);
}

/** Expands runs into a 0/1 mask; `out` (if given) must hold width × height bytes. */
export function decodeRle(rle: RleMask, out?: Uint8Array): Uint8Array {
  const size = rle.width * rle.height;
  const dst = out ?? new Uint8Array(size);
  if (dst.length !== size) {
    throw new RangeError(`output has length ${dst.length}, expected ${size} (${rle.width}x${rle.height})`);
  }
  let pos = 0;
  const c = rle.counts;
  for (let i = 0; i < c.length; i++) {
    const n = c[i]!;
    dst.fill(i & 1, pos, pos + n);
    pos += n;
  }
  if (pos !== size)
    throw new RangeError(`RLE runs sum to ${pos}, expected ${size} (${rle.width}x${rle.height})`);
  return dst;
}

/** Number of foreground pixels. */
export function rleArea(rle: RleMask): number {
  let a = 0;
  const c = rle.counts;
  for (let i = 1; i < c.length; i += 2) a += c[i]!;
  return a;
}

/** Sum of all runs (= width × height for a valid mask). */
export function rleLength(rle: RleMask): number {
  let a = 0;
  for (const n of rle.counts) a += n;
  return a;
}

/** Foreground pixels shared by both masks, computed by merging the runs. */
export function rleIntersection(a: RleMask, b: RleMask): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`RLE sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const ca = a.counts;
  const cb = b.counts;
  let ia = 0;
  let ib = 0;
  let endA = ca[0] ?? 0; // end (exclusive) of run ia
  let endB = cb[0] ?? 0;
  let pos = 0;
  let inter = 0;
  while (ia < ca.length && ib < cb.length) {
    const end = endA < endB ? endA : endB;
    if (ia & 1 && ib & 1) inter += end - pos;
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
  return inter;
}

/** Intersection over union of two masks of equal size, on runs (0 when both are empty). */
export function rleIou(a: RleMask, b: RleMask): number {
  const inter = rleIntersection(a, b);
  const union = rleArea(a) + rleArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Tight pixel bounds [x1, y1, x2, y2) of the foreground (x2, y2 exclusive), or null when empty. */
export function rleBBox(rle: RleMask): [number, number, number, number] | null {
  const w = rle.width;
  const c = rle.counts;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -1;
  let y2 = -1;
  let pos = 0;
  for (let i = 0; i < c.length; i++) {
    const n = c[i]!;
    if (i & 1 && n > 0) {
      const last = pos + n - 1;
      const r0 = Math.floor(pos / w);
      const r1 = Math.floor(last / w);
      if (r0 < y1) y1 = r0;
      if (r1 + 1 > y2) y2 = r1 + 1;
      if (r0 !== r1) {
        x1 = 0;
        x2 = w;
      } else {
        const a = pos - r0 * w;
        const b = last - r0 * w + 1;
        if (a < x1) x1 = a;
        if (b > x2) x2 = b;
      }
    }
    pos += n;
  }
  return x2 < 0 ? null : [x1, y1, x2, y2];
}
