/** The model adapters' public surface: pure functions from ORT outputs to a SegmentationResult. */
import type { SegmentationResult } from "../result.js";
import { decodeDeeplab } from "./deeplab.js";
import { decodeYolact } from "./yolact.js";
import { decodeYoloSeg } from "./yolo-seg.js";
import type { AdapterContext, DeeplabOptions, Outputs, YolactOptions, YoloSegOptions } from "./types.js";

export type AdapterName = "deeplab" | "yolact" | "yolo-seg";

export interface AdapterOptions {
  readonly deeplab: DeeplabOptions;
  readonly yolact: YolactOptions;
  readonly "yolo-seg": YoloSegOptions;
}

export const ADAPTER_NAMES: readonly AdapterName[] = ["deeplab", "yolact", "yolo-seg"];

export function isAdapterName(x: unknown): x is AdapterName {
  return typeof x === "string" && (ADAPTER_NAMES as readonly string[]).includes(x);
}

/** Runs the named adapter. Timings are left empty; the caller adds them. */
export function decode<N extends AdapterName>(
  name: N,
  outputs: Outputs,
  ctx: AdapterContext,
  opts?: AdapterOptions[N],
): SegmentationResult {
  const n: AdapterName = name;
  switch (n) {
    case "deeplab":
      return decodeDeeplab(outputs, ctx, opts as DeeplabOptions | undefined);
    case "yolact":
      return decodeYolact(outputs, ctx, opts as YolactOptions | undefined);
    case "yolo-seg":
      return decodeYoloSeg(outputs, ctx, opts as YoloSegOptions | undefined);
    default: {
      const never: never = n;
      throw new TypeError(`unknown adapter "${String(never)}"`);
    }
  }
}

export { decodeDeeplab, deeplabOutputName } from "./deeplab.js";
export { decodeYolact, looksSoftmaxed, protoLayout } from "./yolact.js";
export { decodeYoloSeg } from "./yolo-seg.js";
export { defaultYolactPriors, fpnFeatureSizes, makeYolactPriors } from "./yolact-priors.js";
export { fastNms } from "./fast-nms.js";
export { greedyNms } from "./greedy-nms.js";
export { geometryMaps } from "./geometry.js";
export type * from "./types.js";
