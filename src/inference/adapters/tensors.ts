/**
 * Small helpers shared by the adapters: finding outputs, squeezing batch, label lookup, and
 * splitting ranked detections into the displayed instances.
 */
import type { InstancesInit } from "../result.js";
import type { LabelMap, OutputTensor, Outputs } from "./types.js";

/** The named output, or a TypeError listing what the model produced. */
export function requireOutput(outputs: Outputs, name: string, adapter: string): OutputTensor {
  const t = outputs[name];
  if (t === undefined) {
    throw new TypeError(
      `${adapter}: model has no output "${name}" (outputs: ${Object.keys(outputs).join(", ") || "none"})`,
    );
  }
  if (!(t.data instanceof Float32Array)) throw new TypeError(`${adapter}: output "${name}" is not float32`);
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) {
    throw new RangeError(
      `${adapter}: output "${name}" dims [${t.dims.join(", ")}] do not match ${t.data.length} values`,
    );
  }
  return t;
}

/** Dims without a leading batch of 1 when the tensor has `rank + 1` dims; checks the rank. */
export function unbatched(t: OutputTensor, rank: number, what: string): readonly number[] {
  const d = t.dims;
  if (d.length === rank + 1) {
    if (d[0] !== 1) throw new RangeError(`${what} has batch ${d[0]}, expected 1 (dims [${d.join(", ")}])`);
    return d.slice(1);
  }
  if (d.length !== rank) {
    throw new RangeError(
      `${what} has dims [${d.join(", ")}], expected rank ${rank} or ${rank + 1} with batch 1`,
    );
  }
  return d;
}

/**
 * Model class index → label id lookup; −1 where the class has no Cityscapes id.
 * Label ids must fit a byte (Cityscapes ids are 0…33).
 */
export function labelTable(labels: LabelMap, numClasses: number): Int16Array {
  const t = new Int16Array(numClasses).fill(-1);
  for (let i = 0; i < numClasses; i++) {
    const v = labels.toLabelId[i];
    if (v === undefined || v < 0) continue;
    if (!Number.isInteger(v) || v > 255)
      throw new RangeError(`label map entry ${i} is ${v}, not a label id in 0..255`);
    t[i] = v;
  }
  return t;
}

/** Plain IoU of two xyxy boxes stored in `b` at box indices i and j (no +1 convention). */
export function boxIou(b: Float32Array, i: number, j: number): number {
  const o = 4 * i;
  const p = 4 * j;
  const iw = Math.min(b[o + 2]!, b[p + 2]!) - Math.max(b[o]!, b[p]!);
  const ih = Math.min(b[o + 3]!, b[p + 3]!) - Math.max(b[o + 1]!, b[p + 1]!);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const aa = (b[o + 2]! - b[o]!) * (b[o + 3]! - b[o + 1]!);
  const ab = (b[p + 2]! - b[p]!) * (b[p + 3]! - b[p + 1]!);
  const u = aa + ab - inter;
  return u > 0 ? inter / u : 0;
}

/**
 * The result's instance lists from detections ranked by descending score, of which the first
 * `shown` pass the display threshold: `instances` are those, and with `withDetections` the whole
 * ranked list is `detections` too (without it, the ranked list is the display list).
 */
export function displayedAndRanked(
  ranked: InstancesInit,
  shown: number,
  withDetections: boolean,
): { instances: InstancesInit; detections?: InstancesInit } {
  if (!withDetections) return { instances: ranked };
  return {
    instances: {
      boxes: ranked.boxes.slice(0, 4 * shown),
      scores: ranked.scores.slice(0, shown),
      classIds: ranked.classIds.slice(0, shown),
      masks: ranked.masks.slice(0, shown),
    },
    detections: ranked,
  };
}
