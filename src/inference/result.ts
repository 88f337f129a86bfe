/**
 * The columnar segmentation result (supervision's `Detections` is the model): parallel typed
 * arrays, validated once when built so every consumer (tracker, sinks, eval) can trust them.
 */

/** Per-pixel Cityscapes label ids (not trainIds), row-major. */
export interface SemanticMap {
  readonly width: number;
  readonly height: number;
  readonly classIds: Uint8Array;
}

/** A binary mask as row-major runs, alternating, starting with a run of 0s (which may be 0). */
export interface RleMask {
  readonly width: number;
  readonly height: number;
  readonly counts: Uint32Array;
}

export interface Instances {
  readonly count: number;
  /** count × 4: x1, y1, x2, y2 in frame pixels. */
  readonly boxes: Float32Array;
  /** count, in [0, 1]. */
  readonly scores: Float32Array;
  /** count, Cityscapes label ids (24 person … 33 bicycle). */
  readonly classIds: Uint8Array;
  /** count masks at frame size. */
  readonly masks: readonly RleMask[];
  /** count, filled by the tracker. */
  readonly trackIds?: Int32Array;
}

export interface SegmentationResult {
  readonly frameId: number;
  readonly sourceId: string;
  readonly stampNs: bigint;
  readonly width: number;
  readonly height: number;
  readonly semantic?: SemanticMap;
  readonly instances?: Instances;
  /**
   * The model's ranked detections before the display threshold and before tracking: every
   * detection above the model's candidate threshold (at most its max detection count), masks
   * possibly overlapping, no track ids. This is what instance AP scores — a ranking metric
   * that needs the low-score detections the display threshold and the tracker's birth/score
   * gates drop. Absent: `instances` are the detections.
   */
  readonly detections?: Instances;
  /** Milliseconds per stage, e.g. preprocess, run, postprocess. */
  readonly timings: Readonly<Record<string, number>>;
}

export interface InstancesInit {
  readonly count?: number;
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly classIds: Uint8Array;
  readonly masks: readonly RleMask[];
  readonly trackIds?: Int32Array;
}

export interface ResultInit {
  readonly frameId: number;
  readonly sourceId: string;
  readonly stampNs: bigint;
  readonly width: number;
  readonly height: number;
  readonly semantic?: SemanticMap;
  readonly instances?: Instances | InstancesInit;
  readonly detections?: Instances | InstancesInit;
  readonly timings?: Readonly<Record<string, number>>;
}

function kind(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  return (x.constructor as { name?: string } | undefined)?.name ?? "object";
}

function expectType(name: string, x: unknown, ctor: { new (n: number): object; name: string }): void {
  if (!(x instanceof ctor)) throw new TypeError(`${name} must be a ${ctor.name}, got ${kind(x)}`);
}

function expectLength(name: string, actual: number, expected: number, why: string): void {
  if (actual !== expected)
    throw new RangeError(`${name} has length ${actual}, expected ${expected} (${why})`);
}

function checkMask(i: number, m: RleMask, width: number, height: number): void {
  if (m.width !== width || m.height !== height) {
    throw new RangeError(
      `instance ${i} mask is ${m.width}x${m.height}, expected frame size ${width}x${height}`,
    );
  }
  expectType(`instance ${i} mask counts`, m.counts, Uint32Array);
  let sum = 0;
  for (const n of m.counts) sum += n;
  if (sum !== width * height) {
    throw new RangeError(
      `instance ${i} mask runs sum to ${sum}, expected ${width * height} (${width}x${height})`,
    );
  }
}

/**
 * Validates and freezes instance columns. Mask sizes are checked when `frame` is given
 * (always by `makeResult`).
 */
export function makeInstances(init: InstancesInit, frame?: { width: number; height: number }): Instances {
  expectType("instances scores", init.scores, Float32Array);
  const count = init.count ?? init.scores.length;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`instances count must be a non-negative integer, got ${count}`);
  }
  expectType("instances boxes", init.boxes, Float32Array);
  expectType("instances classIds", init.classIds, Uint8Array);
  const maskList: unknown = init.masks;
  if (!Array.isArray(maskList))
    throw new TypeError(`instances masks must be an array, got ${kind(init.masks)}`);
  expectLength("instances boxes", init.boxes.length, 4 * count, `4 x count ${count}`);
  expectLength("instances scores", init.scores.length, count, `count ${count}`);
  expectLength("instances classIds", init.classIds.length, count, `count ${count}`);
  expectLength("instances masks", init.masks.length, count, `count ${count}`);
  if (init.trackIds !== undefined) {
    expectType("instances trackIds", init.trackIds, Int32Array);
    expectLength("instances trackIds", init.trackIds.length, count, `count ${count}`);
  }
  const b = init.boxes;
  for (let i = 0; i < count; i++) {
    const o = 4 * i;
    if (!(isFinite(b[o]!) && isFinite(b[o + 1]!) && isFinite(b[o + 2]!) && isFinite(b[o + 3]!))) {
      throw new RangeError(
        `instance ${i} box is not finite: [${b[o]}, ${b[o + 1]}, ${b[o + 2]}, ${b[o + 3]}]`,
      );
    }
    const s = init.scores[i]!;
    if (!(s >= 0 && s <= 1)) throw new RangeError(`instance ${i} score ${s} is outside [0, 1]`);
    if (frame) checkMask(i, init.masks[i]!, frame.width, frame.height);
  }
  const out: Instances = {
    count,
    boxes: init.boxes,
    scores: init.scores,
    classIds: init.classIds,
    masks: Object.freeze([...init.masks]),
    ...(init.trackIds !== undefined ? { trackIds: init.trackIds } : {}),
  };
  return Object.freeze(out);
}

/** `makeInstances` for `detections`; errors are prefixed "detections:" to say which list failed. */
function makeDetections(init: InstancesInit, frame: { width: number; height: number }): Instances {
  try {
    return makeInstances(init, frame);
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`detections: ${e.message}`);
    if (e instanceof TypeError) throw new TypeError(`detections: ${e.message}`);
    throw e;
  }
}

/** No detections. */
export function emptyInstances(): Instances {
  return makeInstances({
    boxes: new Float32Array(0),
    scores: new Float32Array(0),
    classIds: new Uint8Array(0),
    masks: [],
  });
}

/** Builds a validated result; throws RangeError/TypeError naming the offending value. */
export function makeResult(init: ResultInit): SegmentationResult {
  const { width, height } = init;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`result size must be positive integers, got ${width}x${height}`);
  }
  if (!Number.isInteger(init.frameId) || init.frameId < 0) {
    throw new RangeError(`frameId must be a non-negative integer, got ${init.frameId}`);
  }
  if (typeof init.sourceId !== "string")
    throw new TypeError(`sourceId must be a string, got ${kind(init.sourceId)}`);
  if (typeof init.stampNs !== "bigint")
    throw new TypeError(`stampNs must be a bigint, got ${kind(init.stampNs)}`);
  const s = init.semantic;
  if (s !== undefined) {
    if (s.width !== width || s.height !== height) {
      throw new RangeError(`semantic map is ${s.width}x${s.height}, expected frame size ${width}x${height}`);
    }
    expectType("semantic classIds", s.classIds, Uint8Array);
    expectLength("semantic classIds", s.classIds.length, width * height, `${width}x${height}`);
  }
  const timings = { ...(init.timings ?? {}) };
  for (const [k, v] of Object.entries(timings)) {
    if (typeof v !== "number" || !isFinite(v))
      throw new RangeError(`timing "${k}" must be a finite number, got ${v}`);
  }
  const instances =
    init.instances !== undefined ? makeInstances(init.instances, { width, height }) : undefined;
  const detections =
    init.detections !== undefined ? makeDetections(init.detections, { width, height }) : undefined;
  const out: SegmentationResult = {
    frameId: init.frameId,
    sourceId: init.sourceId,
    stampNs: init.stampNs,
    width,
    height,
    ...(s !== undefined ? { semantic: Object.freeze({ width, height, classIds: s.classIds }) } : {}),
    ...(instances !== undefined ? { instances } : {}),
    ...(detections !== undefined ? { detections } : {}),
    timings: Object.freeze(timings),
  };
  return Object.freeze(out);
}

/** A copy of `result` whose instances carry `trackIds` (length = instance count). */
export function withTrackIds(result: SegmentationResult, trackIds: Int32Array): SegmentationResult {
  const inst = result.instances;
  if (inst === undefined) throw new TypeError(`result of frame ${result.frameId} has no instances to track`);
  return makeResult({ ...result, instances: { ...inst, trackIds } });
}

/**
 * Paints an instance-id image (Cityscapes `instanceIds` style). Masks are painted in ascending
 * score order so the higher-scoring instance ends on top (ties: the earlier index on top).
 * `value(i)` defaults to `labelId·1000 + (trackId ?? i)`. Pixels no mask covers keep `out`'s
 * content (0 for a fresh image), so a caller may prefill stuff label ids.
 */
export function paintInstanceIds(
  src: SegmentationResult | Instances,
  width: number,
  height: number,
  value?: (i: number) => number,
  out?: Uint16Array,
): Uint16Array {
  const inst: Instances | undefined = "count" in src ? src : src.instances;
  const size = width * height;
  const dst = out ?? new Uint16Array(size);
  expectLength("instance-id image", dst.length, size, `${width}x${height}`);
  if (inst === undefined || inst.count === 0) return dst;
  const val = value ?? ((i: number) => inst.classIds[i]! * 1000 + (inst.trackIds?.[i] ?? i));
  const order = Array.from({ length: inst.count }, (_, i) => i).sort(
    (a, b) => inst.scores[a]! - inst.scores[b]! || b - a,
  );
  for (const i of order) {
    const m = inst.masks[i]!;
    if (m.width !== width || m.height !== height) {
      throw new RangeError(`instance ${i} mask is ${m.width}x${m.height}, expected ${width}x${height}`);
    }
    const v = val(i);
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new RangeError(`instance ${i} id value ${v} does not fit in 16 bits`);
    }
    let pos = 0;
    const c = m.counts;
    for (let r = 0; r < c.length; r++) {
      const n = c[r]!;
      if (r & 1) dst.fill(v, pos, pos + n);
      pos += n;
    }
  }
  return dst;
}
