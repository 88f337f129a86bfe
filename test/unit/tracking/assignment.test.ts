import { describe, expect, it } from "vitest";
import { solveAssignment } from "../../../src/tracking/assignment.js";
import { Rng } from "../../../src/synth/rng.js";

/** Seeded PRNG (the project's mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/**
 * Brute force over all partial matchings: objective = Σ matched + limit/2 · (unmatched rows +
 * unmatched cols) (lap's extend_cost), or, without a limit, the largest matching then least cost.
 */
function brute(cost: number[], rows: number, cols: number, limit: number): { value: number; pairs: number } {
  let best = { value: Infinity, pairs: -1 };
  const usedCol = new Array<boolean>(cols).fill(false);
  const rec = (r: number, sum: number, pairs: number): void => {
    if (r === rows) {
      if (Number.isFinite(limit)) {
        const v = sum + (limit / 2) * (rows - pairs + cols - pairs);
        if (v < best.value - 1e-12) best = { value: v, pairs };
      } else if (pairs > best.pairs || (pairs === best.pairs && sum < best.value - 1e-12)) {
        best = { value: sum, pairs };
      }
      return;
    }
    rec(r + 1, sum, pairs);
    for (let c = 0; c < cols; c++) {
      const x = cost[r * cols + c]!;
      if (usedCol[c] || !Number.isFinite(x) || x > limit) continue;
      usedCol[c] = true;
      rec(r + 1, sum + x, pairs + 1);
      usedCol[c] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

function value(cost: number[], rows: number, cols: number, limit: number) {
  const a = solveAssignment(cost, rows, cols, limit);
  let pairs = 0;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const c = a.rowToCol[r]!;
    if (c < 0) continue;
    expect(a.colToRow[c]).toBe(r);
    expect(cost[r * cols + c]! <= limit).toBe(true);
    pairs++;
    sum += cost[r * cols + c]!;
  }
  expect(a.cost).toBeCloseTo(sum, 9);
  const v = Number.isFinite(limit) ? sum + (limit / 2) * (rows - pairs + cols - pairs) : sum;
  return { value: v, pairs, a };
}

describe("solveAssignment", () => {
  it("solves a known 3×3 problem", () => {
    const cost = [4, 1, 3, 2, 0, 5, 3, 2, 2];
    const { a } = value(cost, 3, 3, Infinity);
    expect(Array.from(a.rowToCol)).toEqual([1, 0, 2]);
    expect(a.cost).toBe(5);
  });

  it("solves rectangular problems both ways", () => {
    // 2 rows × 3 cols: best is r0→c2 (1), r1→c0 (2).
    const wide = solveAssignment([5, 9, 1, 2, 8, 7], 2, 3);
    expect(Array.from(wide.rowToCol)).toEqual([2, 0]);
    expect(Array.from(wide.colToRow)).toEqual([1, -1, 0]);
    // 3 rows × 2 cols: transpose of the above.
    const tall = solveAssignment([5, 2, 9, 8, 1, 7], 3, 2);
    expect(Array.from(tall.rowToCol)).toEqual([1, -1, 0]);
    expect(tall.cost).toBe(3);
  });

  it("leaves pairs above the cost limit unassigned", () => {
    // Without a limit: r0→c0 (0.1) + r1→c1 (0.9) = 1.0. With limit 0.8, r1 stays unassigned.
    const cost = [0.1, 0.5, 0.6, 0.9];
    expect(Array.from(solveAssignment(cost, 2, 2).rowToCol)).toEqual([0, 1]);
    expect(Array.from(solveAssignment(cost, 2, 2, 0.8).rowToCol)).toEqual([0, -1]);
    // A limit that makes taking the cheaper single pair better than two pairs.
    // Two pairs: 0.45 + 0.45 = 0.9; one pair 0.0 + limit (0.5) = 0.5.
    const cross = [0.45, 0.0, 10, 0.45];
    expect(Array.from(solveAssignment(cross, 2, 2, 0.5).rowToCol)).toEqual([1, -1]);
  });

  it("treats non-finite entries as forbidden and handles empty problems", () => {
    const a = solveAssignment([Infinity, 1, Infinity, NaN], 2, 2);
    expect(Array.from(a.rowToCol)).toEqual([1, -1]);
    expect(solveAssignment([], 0, 3).colToRow.length).toBe(3);
    expect(solveAssignment([], 2, 0).rowToCol.length).toBe(2);
    expect(() => solveAssignment([1, 2], 2, 2)).toThrow(RangeError);
  });

  it("matches brute force on random small problems (seeded)", () => {
    const rand = prng(12345);
    for (let trial = 0; trial < 400; trial++) {
      const rows = 1 + Math.floor(rand() * 5);
      const cols = 1 + Math.floor(rand() * 5);
      const cost = Array.from({ length: rows * cols }, () =>
        rand() < 0.15 ? Infinity : Math.round(rand() * 1000) / 1000,
      );
      const limit = trial % 3 === 0 ? Infinity : 0.2 + rand() * 0.8;
      const got = value(cost, rows, cols, limit);
      const want = brute(cost, rows, cols, limit);
      if (Number.isFinite(limit)) {
        expect(got.value).toBeCloseTo(want.value, 9);
      } else {
        expect(got.pairs).toBe(want.pairs);
        expect(got.value).toBeCloseTo(want.value, 9);
      }
    }
  });
});
