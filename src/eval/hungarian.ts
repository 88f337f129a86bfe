import { solveAssignment } from "../tracking/assignment.js";

/**
 * scipy-style `linear_sum_assignment` on top of the tracker's solver: min(rows, cols) pairs
 * minimising the summed cost, returned with rows ascending.
 */
export interface Assignment {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
}

/** `cost` is row-major rows × cols; entries must be finite. */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (cost.length !== rows * cols) {
    throw new RangeError(`assignment: cost has ${cost.length} entries, expected ${rows}x${cols}`);
  }
  const c = Float64Array.from(cost);
  for (let i = 0; i < c.length; i++) {
    if (!Number.isFinite(c[i]!)) throw new RangeError(`assignment: cost[${i}] = ${c[i]} is not finite`);
  }
  const { rowToCol } = solveAssignment(c, rows, cols);
  const rs: number[] = [];
  const cs: number[] = [];
  for (let r = 0; r < rows; r++) {
    const col = rowToCol[r]!;
    if (col >= 0) {
      rs.push(r);
      cs.push(col);
    }
  }
  return { rows: Int32Array.from(rs), cols: Int32Array.from(cs) };
}

/** Maximising variant: the pairs with the largest summed score. */
export function maxWeightAssignment(score: ArrayLike<number>, rows: number, cols: number): Assignment {
  const neg = new Float64Array(score.length);
  for (let i = 0; i < score.length; i++) neg[i] = -score[i]!;
  return linearSumAssignment(neg, rows, cols);
}
