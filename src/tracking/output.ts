/**
 * The tracker's output policy: tracked detections plus coasting tracks, masks disjoint (pure).
 */
import { makeResult, type Instances, type RleMask, type SegmentationResult } from "../inference/result.js";
import { COAST_MIN_VISIBLE, type TrackerOptions } from "./options.js";
import { resolveOverlaps } from "./overlaps.js";
import { shiftedArea, shiftedSpansToRle, type DetectionMasks } from "./similarity.js";
import type { Track } from "./track.js";

/**
 * The tracker's output for one frame: the detections with a track id (`trackOf[d]` > 0) plus,
 * when `coastFrames` > 0, the coasting tracks (lost for at most `coastFrames` frames, ≥ 3 hits,
 * their last mask moved to the Kalman-predicted position and still ≥ COAST_MIN_VISIBLE inside
 * the frame) as instances scored below every real detection; masks made disjoint when
 * `resolveOverlaps`. See tracker.ts, "Output policy".
 */
export function trackedOutput(
  result: SegmentationResult,
  inst: Instances,
  trackOf: Int32Array,
  masks: DetectionMasks,
  tracks: readonly Track[],
  options: TrackerOptions,
): SegmentationResult {
  const k = options.coastFrames;
  const extra: { t: Track; mask: RleMask; box: [number, number, number, number] }[] = [];
  if (k > 0) {
    for (const t of tracks) {
      if (t.state !== "lost" || t.lostFrames > k || t.hits < 3 || t.mask === null) continue;
      const dx = t.maskShiftX();
      const dy = t.maskShiftY();
      // Leaving the frame: not coasted.
      if (shiftedArea(t.mask, dx, dy) < COAST_MIN_VISIBLE * t.mask.area) continue;
      const c = shiftedSpansToRle(t.mask, dx, dy);
      if (c.box !== null) extra.push({ t, mask: c.mask, box: c.box });
    }
  }
  if (extra.length === 0) return output(result, inst, trackOf, masks, options);
  const n = inst.count;
  const count = n + extra.length;
  const boxes = new Float32Array(4 * count);
  boxes.set(inst.boxes.subarray(0, 4 * n));
  const scores = new Float32Array(count);
  scores.set(inst.scores.subarray(0, n));
  const classIds = new Uint8Array(count);
  classIds.set(inst.classIds.subarray(0, n));
  const ids = new Int32Array(count);
  ids.set(trackOf);
  const all = [...inst.masks];
  const spans = masks.extend(extra.map((e) => e.mask));
  extra.forEach((e, j) => {
    const i = n + j;
    boxes.set(e.box, 4 * i);
    // Below every real detection's score, so a detection keeps its pixels where they overlap.
    scores[i] = Math.min(e.t.score, options.lowScoreThreshold) * 0.5;
    classIds[i] = e.t.classId;
    ids[i] = e.t.id;
    all.push(e.mask);
  });
  const aug: Instances = { count, boxes, scores, classIds, masks: all };
  return output(result, aug, ids, spans, options);
}

/** The instances with a track id, masks made disjoint (`overlapWinner`) when `resolveOverlaps`. */
function output(
  result: SegmentationResult,
  inst: Instances,
  trackOf: Int32Array,
  detMasks: DetectionMasks,
  options: TrackerOptions,
): SegmentationResult {
  const idx: number[] = [];
  for (let i = 0; i < inst.count; i++) if (trackOf[i]! > 0) idx.push(i);
  let masks: RleMask[] = idx.map((i) => inst.masks[i]!);
  let keep = idx.map(() => true);
  if (options.resolveOverlaps && idx.length > 1) {
    ({ masks, keep } = resolveOverlaps(
      masks,
      Float32Array.from(idx, (i) => inst.scores[i]!),
      idx.map((i) => detMasks.get(i)),
      { winner: options.overlapWinner, highScore: options.highScoreThreshold },
    ));
  }
  const out = idx.filter((_, k) => keep[k]);
  const outMasks = masks.filter((_, k) => keep[k]);
  const count = out.length;
  const boxes = new Float32Array(4 * count);
  const scores = new Float32Array(count);
  const classIds = new Uint8Array(count);
  const trackIds = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = out[k]!;
    for (let q = 0; q < 4; q++) boxes[4 * k + q] = inst.boxes[4 * i + q]!;
    scores[k] = inst.scores[i]!;
    classIds[k] = inst.classIds[i]!;
    trackIds[k] = trackOf[i]!;
  }
  return makeResult({
    ...result,
    instances: { count, boxes, scores, classIds, masks: outMasks, trackIds },
  });
}
