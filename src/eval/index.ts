/** Public surface of the evaluation folder. */
export { ConfusionMatrix, CONFUSION_SIZE } from "./confusion.js";
export { AVG_CLASS_SIZE, INSTANCE_CATEGORIES, InstanceStats, type InstanceTally } from "./instance-stats.js";
export {
  SemanticAccumulator,
  semanticScores,
  nanMean,
  type SemanticResult,
  type ClassScore,
  type CategoryScore,
} from "./semantic.js";
export {
  findGtFrames,
  indexPredictions,
  matchFrames,
  readPair,
  readPairs,
  type GtFrame,
  type FramePair,
  type DecodedPair,
  type PredExtras,
} from "./dataset.js";
export {
  evaluate,
  parseTasks,
  EVAL_TASKS,
  IMPLEMENTED_TASKS,
  type EvalTask,
  type EvalOptions,
  type EvalResult,
} from "./evaluate.js";
export {
  formatEvalResult,
  formatSemantic,
  formatPanoptic,
  formatInstance,
  formatTracking,
} from "./report.js";
export { linearSumAssignment, maxWeightAssignment, type Assignment } from "./hungarian.js";
export {
  parseInstancesJson,
  readInstancesJson,
  instanceIdsPath,
  instancesJsonPath,
  type PredInstance,
  type PredInstancesFile,
} from "./pred-files.js";
export {
  PanopticAccumulator,
  type PanopticResult,
  type PanopticClass,
  type PanopticAverage,
} from "./panoptic.js";
export {
  InstanceApAccumulator,
  AP_OVERLAPS,
  AP_MIN_REGION,
  prArea,
  type InstanceResult,
  type InstanceClassAp,
} from "./instance-ap.js";
export { TrackingAccumulator, sequenceOf, type TrackingResult, type TrackingScores } from "./tracking.js";
export { HOTA_ALPHAS, type HotaScores } from "./tracking-hota.js";
export type { ClearScores } from "./tracking-clear.js";
export type { IdentityScores } from "./tracking-identity.js";
