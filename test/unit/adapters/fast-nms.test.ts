import { describe, expect, it } from "vitest";
import { fastNms, overlapGraph, topKOrder } from "../../../src/inference/adapters/fast-nms.js";
import { Rng } from "../../../src/synth/rng.js";

/** specs/01 §6 written as directly as possible: full sort, K×K IoU matrix, column max. */
function referenceFastNms(boxes: Float32Array, scores: Float32Array, thr: number, topK: number): number[] {
  const order = Array.from(scores, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, topK);
  const iou = (a: number, b: number): number => {
    const [ax1, ay1, ax2, ay2] = boxes.subarray(4 * a, 4 * a + 4);
    const [bx1, by1, bx2, by2] = boxes.subarray(4 * b, 4 * b + 4);
    const iw = Math.min(ax2!, bx2!) - Math.max(ax1!, bx1!);
    const ih = Math.min(ay2!, by2!) - Math.max(ay1!, by1!);
    if (iw <= 0 || ih <= 0) return 0;
    const u = (ax2! - ax1!) * (ay2! - ay1!) + (bx2! - bx1!) * (by2! - by1!) - iw * ih;
    return u > 0 ? (iw * ih) / u : 0;
  };
  return order.filter((j, r) => {
    let max = 0;
    for (let q = 0; q < r; q++) max = Math.max(max, iou(order[q]!, j));
    return max <= thr;
  });
}

function randomCase(seed: number, n: number): { boxes: Float32Array; scores: Float32Array } {
  const rng = new Rng(seed);
  const rnd = (): number => rng.next();
  const boxes = new Float32Array(4 * n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = rnd() * 0.8;
    const y = rnd() * 0.8;
    boxes.set([x, y, x + 0.02 + rnd() * 0.3, y + 0.02 + rnd() * 0.3], 4 * i);
    // Coarse scores so that ties occur and the tie order (lower index first) is exercised.
    scores[i] = Math.round(rnd() * 40) / 40;
  }
  return { boxes, scores };
}

describe("topKOrder", () => {
  it("equals a full comparator sort truncated to k, ties in index order", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { scores } = randomCase(seed, 300);
      for (const k of [0, 1, 7, 50, 149, 150, 200, 299, 300, 500]) {
        const full = Array.from(scores, (_, i) => i)
          .sort((a, b) => scores[b]! - scores[a]! || a - b)
          .slice(0, k);
        expect(topKOrder(scores, k)).toEqual(full);
      }
    }
  });
  it("selects the top k exactly among many equal scores (the partial-selection path)", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { scores } = randomCase(seed, 1000);
      const q = scores.map((v) => Math.round(v * 4) / 4); // a handful of distinct values
      for (const k of [1, 10, 200, 499]) {
        const full = Array.from(q, (_, i) => i)
          .sort((a, b) => q[b]! - q[a]! || a - b)
          .slice(0, k);
        expect(topKOrder(q, k)).toEqual(full);
      }
    }
  });
  it("orders negative scores, signed zeros and equal values like the comparator does", () => {
    const scores = new Float32Array([0.5, -0, -1.5, 0, 2, -1e-30, 0.5, -1.5, 1e-30, 3e38, -3e38]);
    const full = Array.from(scores, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    expect(topKOrder(scores, scores.length)).toEqual(full);
    expect(topKOrder(scores, 4)).toEqual(full.slice(0, 4));
  });
});

describe("fastNms against the spec's IoU-matrix formulation", () => {
  it("keeps exactly the same candidates, in the same order, on random overlapping boxes", () => {
    let keptTotal = 0;
    let suppressedTotal = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { boxes, scores } = randomCase(seed * 7919, 40 + seed * 10);
      for (const [thr, topK] of [
        [0.5, 200],
        [0.3, 50],
        [0.7, 1000],
      ] as const) {
        const got = fastNms(boxes, scores, thr, topK);
        expect(got).toEqual(referenceFastNms(boxes, scores, thr, topK));
        const graph = overlapGraph(boxes, scores.length, thr);
        expect(fastNms(boxes, scores, thr, topK, graph)).toEqual(got);
        keptTotal += got.length;
        suppressedTotal += Math.min(topK, scores.length) - got.length;
      }
    }
    // Both outcomes occur, so the comparison above is not vacuous.
    expect(keptTotal).toBeGreaterThan(100);
    expect(suppressedTotal).toBeGreaterThan(100);
  });
});

describe("overlapGraph", () => {
  it("holds exactly the pairs of the all-pairs IoU test (x sweep), with touching and equal boxes", () => {
    const rng = new Rng(77);
    for (const n of [0, 1, 2, 40, 300]) {
      const boxes = new Float32Array(4 * n);
      for (let i = 0; i < n; i++) {
        // Integer coordinates on a small grid: many equal x1 and boxes that touch at an edge.
        const x1 = Math.floor(rng.next() * 30);
        const y1 = Math.floor(rng.next() * 30);
        boxes.set(
          [x1, y1, x1 + 1 + Math.floor(rng.next() * 12), y1 + 1 + Math.floor(rng.next() * 12)],
          4 * i,
        );
      }
      for (const thr of [0, 0.3, 0.5]) {
        const g = overlapGraph(boxes, n, thr);
        expect(g.count).toBe(n);
        expect(g.start.length).toBe(n + 1);
        const got = new Uint8Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let e = g.start[i]!; e < g.start[i + 1]!; e++) got[i * n + g.neighbours[e]!]! += 1;
        }
        const want = new Uint8Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (i === j) continue;
            const [ax1, ay1, ax2, ay2] = boxes.subarray(4 * i, 4 * i + 4);
            const [bx1, by1, bx2, by2] = boxes.subarray(4 * j, 4 * j + 4);
            const iw = Math.min(ax2!, bx2!) - Math.max(ax1!, bx1!);
            const ih = Math.min(ay2!, by2!) - Math.max(ay1!, by1!);
            if (iw <= 0 || ih <= 0) continue;
            const u = (ax2! - ax1!) * (ay2! - ay1!) + (bx2! - bx1!) * (by2! - by1!) - iw * ih;
            if ((iw * ih) / u > thr) want[i * n + j] = 1;
          }
        }
        expect(Array.from(got)).toEqual(Array.from(want));
        if (n === 300) expect(got.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
      }
    }
  });

  it("rejects a candidate count it cannot hold, with the values involved", () => {
    expect(() => overlapGraph(new Float32Array(8), 3, 0.5)).toThrow(
      "overlapGraph: m must be an integer in [0, 1024] with 4·m ≤ 8 box values, got 3",
    );
    const three = overlapGraph(new Float32Array(12), 3, 0.5);
    expect(() => fastNms(new Float32Array(8), new Float32Array(2), 0.5, 10, three)).toThrow(
      "fastNms: overlap graph has 3 boxes, expected 2 (one per score)",
    );
  });
});
