import { describe, expect, it } from "vitest";
import { decodeRle, encodeRle, rleIou } from "../../../src/frames/rle.js";
import {
  boxIou,
  rleSubtract,
  rleToSpans,
  shiftedArea,
  shiftedMaskIou,
} from "../../../src/tracking/similarity.js";
import { resolveOverlaps } from "../../../src/tracking/overlaps.js";
import { Rng } from "../../../src/synth/rng.js";

/** Seeded PRNG (the project's mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

function randomMask(rand: () => number, w: number, h: number, p: number): Uint8Array {
  return Uint8Array.from({ length: w * h }, () => (rand() < p ? 1 : 0));
}

/** Pixel-wise shift with clipping, for reference. */
function shiftPixels(m: Uint8Array, w: number, h: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const nx = x + dx;
      const ny = y + dy;
      if (m[y * w + x] && nx >= 0 && nx < w && ny >= 0 && ny < h) out[ny * w + nx] = 1;
    }
  return out;
}

describe("similarity", () => {
  it("box IoU", () => {
    const a = [0, 0, 10, 10];
    expect(boxIou(a, 0, [0, 0, 10, 10], 0)).toBe(1);
    expect(boxIou(a, 0, [5, 0, 15, 10], 0)).toBeCloseTo(50 / 150, 12);
    expect(boxIou(a, 0, [10, 0, 20, 10], 0)).toBe(0);
    expect(boxIou([9, 9, 9, 0, 0, 10, 10], 3, a, 0)).toBe(1);
  });

  it("spans equal pixel masks; shifted IoU matches a pixel-wise reference (seeded)", () => {
    const rand = prng(7);
    const w = 13;
    const h = 9;
    for (let trial = 0; trial < 200; trial++) {
      const ma = randomMask(rand, w, h, 0.4);
      const mb = randomMask(rand, w, h, 0.4);
      const a = encodeRle(ma, w, h);
      const b = encodeRle(mb, w, h);
      const sa = rleToSpans(a);
      const sb = rleToSpans(b);
      expect(sa.area).toBe(ma.reduce((s, v) => s + v, 0));
      const dx = Math.floor(rand() * 9) - 4;
      const dy = Math.floor(rand() * 7) - 3;
      const shifted = shiftPixels(ma, w, h, dx, dy);
      expect(shiftedArea(sa, dx, dy)).toBe(shifted.reduce((s, v) => s + v, 0));
      const want = rleIou(encodeRle(shifted, w, h), b);
      expect(shiftedMaskIou(sa, dx, dy, sb)).toBeCloseTo(want, 12);
    }
  });

  it("rleSubtract matches pixel-wise a ∧ ¬b and returns a unchanged when disjoint", () => {
    const rand = prng(11);
    const w = 11;
    const h = 7;
    for (let trial = 0; trial < 100; trial++) {
      const ma = randomMask(rand, w, h, 0.5);
      const mb = randomMask(rand, w, h, 0.3);
      const got = decodeRle(rleSubtract(encodeRle(ma, w, h), encodeRle(mb, w, h)));
      expect(Array.from(got)).toEqual(Array.from(ma, (v, i) => (v && !mb[i] ? 1 : 0)));
    }
    const a = encodeRle(Uint8Array.from([1, 1, 0, 0]), 2, 2);
    const b = encodeRle(Uint8Array.from([0, 0, 1, 1]), 2, 2);
    expect(rleSubtract(a, b)).toBe(a);
  });

  it("resolveOverlaps keeps each pixel with the higher score and drops emptied masks", () => {
    const w = 4;
    const h = 1;
    const low = encodeRle(Uint8Array.from([1, 1, 1, 0]), w, h);
    const high = encodeRle(Uint8Array.from([0, 1, 1, 1]), w, h);
    const inside = encodeRle(Uint8Array.from([0, 0, 1, 0]), w, h);
    const { masks, keep } = resolveOverlaps([low, high, inside], Float32Array.from([0.5, 0.9, 0.3]));
    expect(Array.from(decodeRle(masks[0]!))).toEqual([1, 0, 0, 0]);
    expect(masks[1]).toBe(high);
    expect(keep).toEqual([true, true, false]);
  });

  it("resolveOverlaps 'smaller': among confident masks the smaller keeps shared pixels; low scores come last", () => {
    const w = 6;
    const h = 1;
    // A large confident mask spilling over a small confident neighbour, and a low-score sliver.
    const large = encodeRle(Uint8Array.from([1, 1, 1, 1, 1, 0]), w, h);
    const small = encodeRle(Uint8Array.from([0, 0, 0, 1, 1, 1]), w, h);
    const sliver = encodeRle(Uint8Array.from([0, 1, 0, 0, 0, 0]), w, h);
    const scores = Float32Array.from([0.95, 0.6, 0.3]);
    const smaller = { winner: "smaller", highScore: 0.5 } as const;
    const r = resolveOverlaps([large, small, sliver], scores, undefined, smaller);
    expect(Array.from(decodeRle(r.masks[0]!))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(r.masks[1]).toBe(small);
    expect(r.keep).toEqual([true, true, false]); // the sliver (below 0.5) loses to the large mask
    // The same masks by score: the large one keeps everything it covers.
    const s = resolveOverlaps([large, small, sliver], scores);
    expect(s.masks[0]).toBe(large);
    expect(Array.from(decodeRle(s.masks[1]!))).toEqual([0, 0, 0, 0, 0, 1]);
    expect(s.keep).toEqual([true, true, false]);
    // Below the threshold both are ordered by score: the small low mask loses to the larger one.
    const lowBoth = resolveOverlaps([large, small], Float32Array.from([0.4, 0.3]), undefined, smaller);
    expect(lowBoth.masks[0]).toBe(large);
    expect(Array.from(decodeRle(lowBoth.masks[1]!))).toEqual([0, 0, 0, 0, 0, 1]);
  });
});
