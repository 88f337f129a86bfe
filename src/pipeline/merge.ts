import {
  makeResult,
  paintInstanceIds,
  type Instances,
  type SegmentationResult,
} from "../inference/result.js";
import { agreeWithSemantic, type AgreementMemo } from "./semantic-agreement.js";

export interface MergeOptions {
  /**
   * With a semantic and an instance model: instances (and detections) on less than this fraction
   * of pixels of their own category in the semantic map are dropped, the rest cut to those pixels
   * (semantic-agreement.ts). 0 = instances as the instance model gave them.
   */
  readonly minSemanticAgreement: number;
  /** Model name → the label ids it can output (its manifest's labels), for the agreement check. */
  readonly labelIdsByModel?: ReadonlyMap<string, readonly number[]>;
}

/**
 * Merges the results of several models for one frame into one panoptic-style result:
 * semantic from the (first) semantic model, instances from the (first) instance model,
 * instances (and the instance model's `detections`, what AP scores and the tracker reads) checked
 * against the semantic map (`minSemanticAgreement`), then painted over it so both agree on thing
 * pixels.
 * Timings are kept per model as `<model>.<stage>`.
 */
export function mergeResults(
  parts: readonly { model: string; result: SegmentationResult }[],
  options: MergeOptions = { minSemanticAgreement: 0 },
): SegmentationResult {
  const first = parts[0];
  if (first === undefined) throw new RangeError("mergeResults: no results to merge");
  if (parts.length === 1) return first.result;
  const semPart = parts.find((p) => p.result.semantic !== undefined);
  const sem = semPart?.result.semantic;
  const instPart = parts.find((p) => p.result.instances !== undefined)?.result;
  let inst = instPart?.instances;
  let detections = instPart?.detections;
  if (sem !== undefined && options.minSemanticAgreement > 0) {
    const ids = options.labelIdsByModel?.get(semPart!.model);
    // Instances are a prefix of the detections (the same masks): each mask is checked once.
    const memo: AgreementMemo = new Map();
    const agree = (i: Instances): Instances =>
      agreeWithSemantic(i, sem, options.minSemanticAgreement, ids, memo);
    if (inst !== undefined) inst = agree(inst);
    if (detections !== undefined) detections = agree(detections);
  }
  const timings: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.result.timings)) timings[`${p.model}.${k}`] = v;
  const { width, height } = first.result;
  let semantic = sem;
  if (sem !== undefined && inst !== undefined && inst.count > 0) {
    const painted = paintInstanceIds(inst, width, height, (i) => inst.classIds[i]! + 1);
    const classIds = sem.classIds.slice();
    for (let p = 0; p < classIds.length; p++) {
      const v = painted[p]!;
      if (v !== 0) classIds[p] = v - 1;
    }
    semantic = { width, height, classIds };
  }
  return makeResult({
    frameId: first.result.frameId,
    sourceId: first.result.sourceId,
    stampNs: first.result.stampNs,
    width,
    height,
    ...(semantic !== undefined ? { semantic } : {}),
    ...(inst !== undefined ? { instances: inst } : {}),
    ...(detections !== undefined ? { detections } : {}),
    timings,
  });
}
