/**
 * Optimal assignment (rectangular linear sum assignment, minimising total cost), the
 * Hungarian method with potentials in O(n²·m) for n ≤ m. Same contract as scipy's
 * `linear_sum_assignment`: returns min(rows, cols) pairs, rows ascending.
 *
 * Local to evaluation until `src/tracking/assignment.ts` exists; dedupe then.
 */

export interface Assignment {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
}

/**
 * `cost` is row-major rows × cols; entries must be finite.
 * Returns the assigned (row, col) pairs minimising the summed cost.
 */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (cost.length !== rows * cols) {
    throw new RangeError(`assignment: cost has ${cost.length} entries, expected ${rows}x${cols}`);
  }
  if (rows === 0 || cols === 0) return { rows: new Int32Array(0), cols: new Int32Array(0) };
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i]!)) throw new RangeError(`assignment: cost[${i}] = ${cost[i]} is not finite`);
  }
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const a = (i: number, j: number): number => (transpose ? cost[j * cols + i]! : cost[i * cols + j]!);
  // 1-based potentials u (rows), v (cols); p[j] = row assigned to column j (0 = none).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const pairs: [number, number][] = [];
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    const r = p[j]! - 1;
    const c = j - 1;
    pairs.push(transpose ? [c, r] : [r, c]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  return { rows: Int32Array.from(pairs, (q) => q[0]), cols: Int32Array.from(pairs, (q) => q[1]) };
}

/** Maximising variant: the pairs with the largest summed score. */
export function maxWeightAssignment(score: ArrayLike<number>, rows: number, cols: number): Assignment {
  const neg = new Float64Array(score.length);
  for (let i = 0; i < score.length; i++) neg[i] = -score[i]!;
  return linearSumAssignment(neg, rows, cols);
}
