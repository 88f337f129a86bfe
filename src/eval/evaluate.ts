/**
 * `segstream eval`: scores prediction files against Cityscapes-layout ground truth, frame by
 * frame. Only the semantic task is implemented; the result object has one key per task so
 * panoptic / instance / tracking slot in beside it.
 */
import { InputError, errorMessage } from "../frames/problem.js";
import { matchFrames, readPairs } from "./dataset.js";
import { SemanticAccumulator, type SemanticResult } from "./semantic.js";

export const EVAL_TASKS = ["semantic", "panoptic", "instance", "tracking"] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];
export const IMPLEMENTED_TASKS: readonly EvalTask[] = ["semantic"];

export interface EvalOptions {
  readonly gt: string;
  readonly pred: string;
  readonly tasks: readonly EvalTask[];
  /** Called after each frame with (frames done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  /** Frames evaluated. */
  readonly frames: number;
  readonly semantic?: SemanticResult;
}

/** Parses a `--tasks` comma list; unknown or not yet implemented tasks are InputErrors. */
export function parseTasks(value: string): EvalTask[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new InputError("--tasks", `expected a comma list of tasks, got "${value}"`);
  const tasks: EvalTask[] = [];
  for (const name of names) {
    const task = EVAL_TASKS.find((t) => t === name);
    if (task === undefined) {
      throw new InputError("--tasks", `unknown task "${name}"; known tasks: ${EVAL_TASKS.join(", ")}`);
    }
    if (!IMPLEMENTED_TASKS.includes(task)) {
      throw new InputError(
        "--tasks",
        `task "${name}" is not implemented yet; implemented: ${IMPLEMENTED_TASKS.join(", ")}`,
      );
    }
    if (!tasks.includes(task)) tasks.push(task);
  }
  return tasks;
}

/** Runs the evaluation, streaming one frame pair at a time. */
export async function evaluate(opts: EvalOptions): Promise<EvalResult> {
  const pairs = await matchFrames(opts.gt, opts.pred);
  const semantic = opts.tasks.includes("semantic") ? new SemanticAccumulator() : undefined;
  let frames = 0;
  for await (const p of readPairs(pairs)) {
    try {
      semantic?.add(p.gtLabelIds, p.gtInstanceIds, p.predLabelIds);
    } catch (e) {
      if (e instanceof RangeError) {
        throw new InputError(`${p.pair.labelIds} / ${p.pair.instanceIds}`, errorMessage(e));
      }
      throw e;
    }
    frames++;
    opts.onProgress?.(frames, pairs.length);
  }
  return { frames, ...(semantic ? { semantic: semantic.result() } : {}) };
}
