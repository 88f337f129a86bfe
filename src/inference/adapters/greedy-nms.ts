/**
 * Greedy per-class NMS (torchvision `nms` / Ultralytics batched-NMS semantics, used by
 * YOLO-seg): walk boxes in score-descending order and drop any box whose IoU with an already
 * kept box of the same class exceeds the threshold.
 */
import { boxIou } from "./tensors.js";

/** Returns kept indices in the given order, at most `maxKeep`. */
export function greedyNms(
  boxes: Float32Array,
  order: readonly number[],
  classes: Int32Array,
  iouThreshold: number,
  maxKeep: number,
): number[] {
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxKeep) break;
    let ok = true;
    for (const j of kept) {
      if (classes[j] === classes[i] && boxIou(boxes, i, j) > iouThreshold) {
        ok = false;
        break;
      }
    }
    if (ok) kept.push(i);
  }
  return kept;
}
