/**
 * Optimal linear assignment (minimum total cost) on a dense rows × cols cost matrix, with an
 * optional cost limit — the role `lap.lapjv(cost, extend_cost=True, cost_limit=…)` plays in
 * ByteTrack (specs/06 §2).
 *
 * Algorithm: shortest augmenting paths with dual potentials (Jonker–Volgenant family; the
 * variant of Crouse 2016 that scipy's `linear_sum_assignment` uses), O(r²·c) for r ≤ c.
 *
 * Cost limit: with a finite `costLimit`, leaving a row or a column unassigned costs
 * `costLimit / 2` (exactly lap's `extend_cost` + `cost_limit`), so a pair is only worth taking
 * when its cost is below the limit; pairs costing more than the limit are never assigned.
 * That is solved as an r × (c + r) problem where row i may take its own private dummy column
 * at cost `costLimit` (the objectives differ by a constant: Σ matched + limit·unmatchedRows vs.
 * Σ matched + limit/2·(unmatchedRows + unmatchedCols), and unmatchedCols = c − r + unmatchedRows).
 *
 * Entries that are not finite (NaN, ±Infinity) are forbidden pairs. Without a cost limit the
 * result has the largest number of assigned pairs that the forbidden entries allow and, among
 * those, the least total cost.
 */

export interface Assignment {
  /** For each row, the assigned column or −1. */
  readonly rowToCol: Int32Array;
  /** For each column, the assigned row or −1. */
  readonly colToRow: Int32Array;
  /** Sum of the assigned pairs' costs. */
  readonly cost: number;
}

/**
 * Minimum-cost assignment for a complete rows ≤ cols problem (every row is assigned).
 * `cost` is row-major rows × cols; non-finite entries must be +Infinity (forbidden).
 * Returns col4row, or null when no complete assignment exists.
 */
function solveComplete(cost: Float64Array, rows: number, cols: number): Int32Array | null {
  const u = new Float64Array(rows);
  const v = new Float64Array(cols);
  const shortest = new Float64Array(cols);
  const path = new Int32Array(cols).fill(-1);
  const col4row = new Int32Array(rows).fill(-1);
  const row4col = new Int32Array(cols).fill(-1);
  const visitedRow = new Uint8Array(rows);
  const visitedCol = new Uint8Array(cols);
  const remaining = new Int32Array(cols);

  for (let curRow = 0; curRow < rows; curRow++) {
    let minVal = 0;
    let i = curRow;
    let numRemaining = cols;
    for (let it = 0; it < cols; it++) remaining[it] = cols - it - 1;
    visitedRow.fill(0);
    visitedCol.fill(0);
    shortest.fill(Infinity);
    let sink = -1;
    while (sink === -1) {
      let index = -1;
      let lowest = Infinity;
      visitedRow[i] = 1;
      const base = i * cols;
      const ui = u[i]!;
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it]!;
        const r = minVal + cost[base + j]! - ui - v[j]!;
        if (r < shortest[j]!) {
          path[j] = i;
          shortest[j] = r;
        }
        const s = shortest[j]!;
        if (s < lowest || (s === lowest && row4col[j] === -1)) {
          lowest = s;
          index = it;
        }
      }
      minVal = lowest;
      if (index < 0 || minVal === Infinity) return null;
      const j = remaining[index]!;
      if (row4col[j] === -1) sink = j;
      else i = row4col[j]!;
      visitedCol[j] = 1;
      remaining[index] = remaining[--numRemaining]!;
    }
    u[curRow]! += minVal;
    for (let r = 0; r < rows; r++) {
      if (visitedRow[r] && r !== curRow) u[r]! += minVal - shortest[col4row[r]!]!;
    }
    for (let c = 0; c < cols; c++) {
      if (visitedCol[c]) v[c]! -= minVal - shortest[c]!;
    }
    let j = sink;
    for (;;) {
      const r = path[j]!;
      row4col[j] = r;
      const prev = col4row[r]!;
      col4row[r] = j;
      j = prev;
      if (r === curRow) break;
    }
  }
  return col4row;
}

/**
 * Solves the assignment for a row-major `rows × cols` cost matrix (any shape, including 0).
 * See the module comment for the meaning of `costLimit` and of non-finite entries.
 */
export function solveAssignment(
  cost: Float64Array | readonly number[],
  rows: number,
  cols: number,
  costLimit = Infinity,
): Assignment {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`assignment size must be non-negative integers, got ${rows}x${cols}`);
  }
  if (cost.length !== rows * cols) {
    throw new RangeError(`cost matrix has length ${cost.length}, expected ${rows * cols} (${rows}x${cols})`);
  }
  if (Number.isNaN(costLimit)) throw new RangeError("costLimit must be a number, got NaN");
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, cost: 0 };

  // Dummy cost: the limit, or (no limit) something larger than any sum of finite costs so
  // the solver first maximises the number of real pairs.
  let dummy = costLimit;
  if (dummy === Infinity) {
    let maxAbs = 0;
    for (let k = 0; k < cost.length; k++) {
      const c = cost[k]!;
      if (Number.isFinite(c) && Math.abs(c) > maxAbs) maxAbs = Math.abs(c);
    }
    dummy = (maxAbs + 1) * (rows + cols + 1) * 2;
  }
  const ext = cols + rows;
  const m = new Float64Array(rows * ext).fill(Infinity);
  for (let r = 0; r < rows; r++) {
    const src = r * cols;
    const dst = r * ext;
    for (let c = 0; c < cols; c++) {
      const x = cost[src + c]!;
      if (Number.isFinite(x) && x <= costLimit) m[dst + c] = x;
    }
    m[dst + cols + r] = dummy;
  }
  const col4row = solveComplete(m, rows, ext);
  if (col4row === null) throw new Error("assignment: no feasible solution (internal error)");
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const c = col4row[r]!;
    if (c < cols) {
      rowToCol[r] = c;
      colToRow[c] = r;
      total += cost[r * cols + c]!;
    }
  }
  return { rowToCol, colToRow, cost: total };
}
