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
export { formatEvalResult, formatSemantic } from "./report.js";
