/**
 * Pixel confusion matrix C[gt, pred] over label ids 0..255 (cityscapesScripts
 * evalPixelLevelSemanticLabeling: every pixel is counted, including ignored GT classes).
 * Pure: no I/O. Counts are float64, exact up to 2^53 pixels.
 */
export const CONFUSION_SIZE = 256;

export class ConfusionMatrix {
  /** Row-major C[gt * 256 + pred]. */
  readonly counts = new Float64Array(CONFUSION_SIZE * CONFUSION_SIZE);
  /** Total pixels added. */
  pixels = 0;

  /**
   * Adds one image pair: `gt` and `pred` are label-id images of equal length (one byte per pixel).
   * Prediction values above the highest label id are kept in their own column (they count as FN).
   */
  add(gt: Uint8Array, pred: Uint8Array): void {
    if (gt.length !== pred.length) {
      throw new RangeError(`confusion add: gt has ${gt.length} pixels but pred has ${pred.length}`);
    }
    const c = this.counts;
    const n = gt.length;
    for (let i = 0; i < n; i++) {
      c[(gt[i]! << 8) | pred[i]!]!++;
    }
    this.pixels += n;
  }

  /** C[gt, pred]. */
  at(gt: number, pred: number): number {
    return this.counts[gt * CONFUSION_SIZE + pred] ?? 0;
  }

  /** Σ_j C[gt, j]. */
  rowSum(gt: number): number {
    let s = 0;
    const base = gt * CONFUSION_SIZE;
    for (let j = 0; j < CONFUSION_SIZE; j++) s += this.counts[base + j]!;
    return s;
  }

  /** Σ over rows in `rows` and columns in `cols` of C[row, col]. */
  blockSum(rows: readonly number[], cols: readonly number[]): number {
    let s = 0;
    for (const r of rows) for (const col of cols) s += this.counts[r * CONFUSION_SIZE + col]!;
    return s;
  }

  /** Ids that occur as GT (rows with a non-zero count), ascending. */
  gtIdsPresent(): number[] {
    const out: number[] = [];
    for (let r = 0; r < CONFUSION_SIZE; r++) if (this.rowSum(r) > 0) out.push(r);
    return out;
  }
}
