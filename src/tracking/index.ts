/** Mask-aware ByteTrack tracking (pure, no I/O). */
export { solveAssignment, type Assignment } from "./assignment.js";
export {
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  xyxyToXyah,
  xyahToXyxy,
  STD_WEIGHT_POSITION,
  STD_WEIGHT_VELOCITY,
  type KalmanState,
} from "./kalman.js";
export {
  boxIou,
  rleToSpans,
  shiftedMaskIou,
  shiftedIntersection,
  shiftedArea,
  rleSubtract,
  spansOverlap,
  type SpanMask,
} from "./similarity.js";
export { Track, type TrackState } from "./track.js";
export {
  maskAppearance,
  appearanceSimilarity,
  blendAppearance,
  appearanceSupported,
  APPEARANCE_LENGTH,
  type ImageView,
} from "./appearance.js";
export { ByteTracker, type TrackInfo } from "./tracker.js";
export {
  DEFAULT_TRACKER_OPTIONS,
  trackerOptions,
  type TrackerOptions,
  type TrackerOptionsInit,
} from "./options.js";
export { resolveOverlaps, type OverlapWinner, type OverlapPriority } from "./overlaps.js";
export { MultiSourceTracker, type UpdateContext } from "./multi-source.js";
export { instancesFromSemantic, DEFAULT_COMPONENT_OPTIONS, type ComponentOptions } from "./components.js";
