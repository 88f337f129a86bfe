/**
 * `segstream eval`: scores prediction files against Cityscapes-layout ground truth, frame by
 * frame (bounded memory: one decoded pair at a time plus per-task sparse statistics). The
 * result has one key per requested task: semantic (IoU/iIoU), panoptic (PQ/SQ/RQ), instance
 * (AP/AP50 of `_pred_instances.json`'s `detections`, else its `instances`), tracking (HOTA,
 * MOTSA/sMOTSA/MOTSP, IDF1 of its `instances`).
 */
import { didYouMean } from "../util/suggest.js";
import { InputError, errorMessage } from "../frames/problem.js";
import { matchFrames, readPairs } from "./dataset.js";
import { InstanceApAccumulator, type InstanceResult } from "./instance-ap.js";
import { PanopticAccumulator, type PanopticResult } from "./panoptic.js";
import { instanceIdsPath, instancesJsonPath, requireFiles } from "./pred-files.js";
import { histogram } from "./segments.js";
import { SemanticAccumulator, type SemanticResult } from "./semantic.js";
import { TrackingAccumulator, type TrackingResult } from "./tracking.js";

export const EVAL_TASKS = ["semantic", "panoptic", "instance", "tracking"] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];
export const IMPLEMENTED_TASKS: readonly EvalTask[] = EVAL_TASKS;

export interface EvalOptions {
  readonly gt: string;
  readonly pred: string;
  readonly tasks: readonly EvalTask[];
  /** Tracking: GT instances below this many pixels (per frame) are ignore regions (default 100). */
  readonly minGtArea?: number;
  /** Called after each frame with (frames done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  /** Frames evaluated. */
  readonly frames: number;
  readonly semantic?: SemanticResult;
  readonly panoptic?: PanopticResult;
  readonly instance?: InstanceResult;
  readonly tracking?: TrackingResult;
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
      throw new InputError(
        "--tasks",
        `unknown task "${name}"${didYouMean(name, EVAL_TASKS)}; known tasks: ${EVAL_TASKS.join(", ")}`,
      );
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
  const has = (t: EvalTask): boolean => opts.tasks.includes(t);
  const needJson = has("instance") || has("tracking");
  if (has("panoptic")) {
    await requireFiles(
      opts.pred,
      pairs.map((p) => instanceIdsPath(p.pred)),
      "_pred_instanceIds.png",
      "panoptic",
    );
  }
  if (needJson) {
    const which = ["instance", "tracking"].filter((t) => opts.tasks.includes(t as EvalTask)).join(" and ");
    await requireFiles(
      opts.pred,
      pairs.map((p) => instancesJsonPath(p.pred)),
      "_pred_instances.json",
      which,
    );
  }
  const semantic = has("semantic") ? new SemanticAccumulator() : undefined;
  const panoptic = has("panoptic") ? new PanopticAccumulator() : undefined;
  const instance = has("instance") ? new InstanceApAccumulator() : undefined;
  const tracking = has("tracking")
    ? new TrackingAccumulator(opts.minGtArea === undefined ? {} : { minGtArea: opts.minGtArea })
    : undefined;
  let frames = 0;
  for await (const p of readPairs(pairs, { instanceIds: panoptic !== undefined, instances: needJson })) {
    try {
      semantic?.add(p.gtLabelIds, p.gtInstanceIds, p.predLabelIds);
      if (panoptic && p.predInstanceIds) panoptic.add(p.gtInstanceIds, p.predInstanceIds);
      const preds = p.predInstances?.instances ?? [];
      // AP ranks the model's detections (all scores, before tracking) when the file has them.
      const dets = p.predInstances?.detections ?? preds;
      instance?.add(p.gtInstanceIds, histogram(p.gtInstanceIds), dets);
      tracking?.add(p.pair.stem, p.gtInstanceIds, preds);
    } catch (e) {
      if (e instanceof RangeError) {
        throw new InputError(`${p.pair.labelIds} / ${p.pair.instanceIds}`, errorMessage(e));
      }
      throw e;
    }
    frames++;
    opts.onProgress?.(frames, pairs.length);
  }
  return {
    frames,
    ...(semantic ? { semantic: semantic.result() } : {}),
    ...(panoptic ? { panoptic: panoptic.result() } : {}),
    ...(instance ? { instance: instance.result() } : {}),
    ...(tracking ? { tracking: tracking.result() } : {}),
  };
}
