import { describe, expect, it } from "vitest";
import {
  decodeRle,
  encodeRle,
  rleArea,
  rleBBox,
  rleIntersection,
  rleIou,
  RleBuilder,
} from "../../../src/frames/rle.js";
import { Rng } from "../../../src/synth/rng.js";

/** Seeded PRNG (the project's mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

function randomMask(rnd: () => number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  const kind = rnd();
  if (kind < 0.15) return m; // empty
  if (kind < 0.25) return m.fill(1); // full
  const boxes = 1 + Math.floor(rnd() * 3);
  for (let b = 0; b < boxes; b++) {
    const x0 = Math.floor(rnd() * w);
    const y0 = Math.floor(rnd() * h);
    const x1 = x0 + Math.floor(rnd() * (w - x0 + 1));
    const y1 = y0 + Math.floor(rnd() * (h - y0 + 1));
    for (let y = y0; y < y1; y++) m.fill(1, y * w + x0, y * w + x1);
  }
  for (let i = 0; i < m.length; i++) if (rnd() < 0.03) m[i] = 1 - m[i]!; // speckle
  return m;
}

describe("RLE", () => {
  it("starts with a (possibly empty) zero run and alternates", () => {
    expect([...encodeRle(new Uint8Array([1, 1, 0, 1]), 2, 2).counts]).toEqual([0, 2, 1, 1]);
    expect([...encodeRle(new Uint8Array([0, 0, 0, 0]), 2, 2).counts]).toEqual([4]);
    expect([...encodeRle(new Uint8Array([0, 5, 5, 0]), 4, 1).counts]).toEqual([1, 2, 1]);
  });

  it("round-trips random masks, and area / bbox / IoU on runs equal the decoded values", () => {
    const rnd = prng(20240611);
    for (let t = 0; t < 300; t++) {
      const w = 1 + Math.floor(rnd() * 40);
      const h = 1 + Math.floor(rnd() * 30);
      const a = randomMask(rnd, w, h);
      const b = randomMask(rnd, w, h);
      const ra = encodeRle(a, w, h);
      const rb = encodeRle(b, w, h);
      expect(decodeRle(ra)).toEqual(a.map((v) => (v ? 1 : 0)));
      let areaA = 0;
      let inter = 0;
      let union = 0;
      let bx: [number, number, number, number] | null = null;
      for (let i = 0; i < a.length; i++) {
        if (a[i]) {
          areaA++;
          const x = i % w;
          const y = Math.floor(i / w);
          bx = bx
            ? [Math.min(bx[0], x), Math.min(bx[1], y), Math.max(bx[2], x + 1), Math.max(bx[3], y + 1)]
            : [x, y, x + 1, y + 1];
        }
        if (a[i] && b[i]) inter++;
        if (a[i] || b[i]) union++;
      }
      expect(rleArea(ra)).toBe(areaA);
      expect(rleIntersection(ra, rb)).toBe(inter);
      expect(rleIou(ra, rb)).toBeCloseTo(union ? inter / union : 0, 12);
      expect(rleBBox(ra)).toEqual(bx);
    }
  });

  it("decodes into a provided buffer and checks sizes", () => {
    const r = encodeRle(new Uint8Array([0, 1, 1, 0, 0, 1]), 3, 2);
    const out = new Uint8Array(6).fill(9);
    expect(decodeRle(r, out)).toBe(out);
    expect([...out]).toEqual([0, 1, 1, 0, 0, 1]);
    expect(() => decodeRle(r, new Uint8Array(5))).toThrow("output has length 5, expected 6 (3x2)");
    expect(() => encodeRle(new Uint8Array(5), 3, 2)).toThrow("mask has length 5, expected 6 (3x2)");
    expect(() => rleIou(r, encodeRle(new Uint8Array(6), 2, 3))).toThrow("RLE sizes differ: 3x2 vs 2x3");
  });

  it("builder merges equal runs and pads to the frame", () => {
    const b = new RleBuilder();
    b.push(0, 2);
    b.push(0, 1);
    b.push(1, 2);
    b.push(1, 0);
    b.push(1, 1);
    expect([...b.finish(4, 2).counts]).toEqual([3, 3, 2]);
    const full = new RleBuilder();
    full.push(1, 4);
    expect([...full.finish(2, 2).counts]).toEqual([0, 4]);
    const over = new RleBuilder();
    over.push(1, 5);
    expect(() => over.finish(2, 2)).toThrow("RLE runs cover 5 pixels, more than 2x2 = 4");
  });

  it("a reset builder starts a new mask; masks finished before keep their runs", () => {
    const b = new RleBuilder();
    for (let i = 0; i < 100; i++) b.push((i % 2) as 0 | 1, 1); // grows past its first buffer
    const first = b.finish(10, 10);
    b.reset().push(1, 3);
    const second = b.finish(2, 2);
    expect([...second.counts]).toEqual([0, 3, 1]);
    expect(first.counts.length).toBe(100);
    expect(first.counts[0]).toBe(1);
    expect(first.counts.every((c) => c === 1)).toBe(true);
    expect([...b.reset().finish(1, 1).counts]).toEqual([1]);
  });
});
