/**
 * YOLACT Fast NMS for one class (specs/01 §6): sort candidates by score descending, keep the
 * first topK, and keep box j iff its maximum IoU with any *higher-ranked* box (the strictly
 * upper-triangular IoU matrix, column max) is ≤ the threshold. A suppressed box still
 * suppresses the boxes below it — unlike greedy NMS.
 */
import { boxIou } from "./tensors.js";

/**
 * `boxes`: candidate boxes (xyxy, any units); `scores[i]`: candidate i's score for this class.
 * Returns the kept candidate indices in descending score order.
 */
export function fastNms(
  boxes: Float32Array,
  scores: Float32Array,
  iouThreshold: number,
  topK: number,
): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const k = Math.min(topK, n);
  const kept: number[] = [];
  for (let j = 0; j < k; j++) {
    const bj = order[j]!;
    let maxIou = 0;
    for (let i = 0; i < j; i++) {
      const iou = boxIou(boxes, order[i]!, bj);
      if (iou > maxIou) {
        maxIou = iou;
        if (maxIou > iouThreshold) break;
      }
    }
    if (maxIou <= iouThreshold) kept.push(bj);
  }
  return kept;
}
