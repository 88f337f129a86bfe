import { describe, expect, it } from "vitest";
import { decodeRle, encodeRle } from "../../../src/frames/rle.js";
import {
  emptyInstances,
  makeInstances,
  makeResult,
  paintInstanceIds,
  withTrackIds,
  type RleMask,
} from "../../../src/inference/result.js";

const base = { frameId: 1, sourceId: "s", stampNs: 10n, width: 4, height: 2 };
const m = (bits: number[]): RleMask => encodeRle(new Uint8Array(bits), 4, 2);
const two = {
  boxes: new Float32Array([0, 0, 2, 2, 1, 0, 4, 2]),
  scores: new Float32Array([0.9, 0.5]),
  classIds: new Uint8Array([26, 24]),
  masks: [m([1, 1, 0, 0, 1, 1, 0, 0]), m([0, 1, 1, 1, 0, 1, 1, 1])],
};

describe("SegmentationResult validation", () => {
  it("builds a frozen result with derived count and empty timings", () => {
    const r = makeResult({ ...base, instances: two });
    expect(r.instances!.count).toBe(2);
    expect(r.timings).toEqual({});
    expect(Object.isFrozen(r)).toBe(true);
    expect(makeResult({ ...base, instances: emptyInstances() }).instances!.count).toBe(0);
  });

  it.each([
    [{ ...base, width: 0 }, RangeError, "result size must be positive integers, got 0x2"],
    [{ ...base, frameId: -1 }, RangeError, "frameId must be a non-negative integer, got -1"],
    [{ ...base, stampNs: 10 as unknown as bigint }, TypeError, "stampNs must be a bigint, got number"],
    [
      { ...base, semantic: { width: 4, height: 3, classIds: new Uint8Array(12) } },
      RangeError,
      "semantic map is 4x3, expected frame size 4x2",
    ],
    [
      { ...base, semantic: { width: 4, height: 2, classIds: new Uint8Array(7) } },
      RangeError,
      "semantic classIds has length 7, expected 8 (4x2)",
    ],
    [
      { ...base, semantic: { width: 4, height: 2, classIds: new Uint16Array(8) as unknown as Uint8Array } },
      TypeError,
      "semantic classIds must be a Uint8Array, got Uint16Array",
    ],
    [
      { ...base, instances: { ...two, boxes: new Float32Array(7) } },
      RangeError,
      "instances boxes has length 7, expected 8 (4 x count 2)",
    ],
    [
      { ...base, instances: { ...two, classIds: new Uint8Array(3) } },
      RangeError,
      "instances classIds has length 3, expected 2 (count 2)",
    ],
    [
      { ...base, instances: { ...two, masks: [two.masks[0]!] } },
      RangeError,
      "instances masks has length 1, expected 2 (count 2)",
    ],
    [
      { ...base, instances: { ...two, boxes: new Float32Array([0, 0, NaN, 2, 1, 0, 4, 2]) } },
      RangeError,
      "instance 0 box is not finite: [0, 0, NaN, 2]",
    ],
    [
      { ...base, instances: { ...two, scores: new Float32Array([0.9, 1.5]) } },
      RangeError,
      "instance 1 score 1.5 is outside [0, 1]",
    ],
    [
      { ...base, instances: { ...two, masks: [two.masks[0]!, encodeRle(new Uint8Array(9), 3, 3)] } },
      RangeError,
      "instance 1 mask is 3x3, expected frame size 4x2",
    ],
    [
      {
        ...base,
        instances: {
          ...two,
          masks: [two.masks[0]!, { width: 4, height: 2, counts: new Uint32Array([3, 2]) }],
        },
      },
      RangeError,
      "instance 1 mask runs sum to 5, expected 8 (4x2)",
    ],
    [
      { ...base, instances: { ...two, trackIds: new Int32Array(3) } },
      RangeError,
      "instances trackIds has length 3, expected 2 (count 2)",
    ],
    [{ ...base, timings: { run: NaN } }, RangeError, 'timing "run" must be a finite number, got NaN'],
  ])("rejects bad input %#", (init, type, message) => {
    expect(() => makeResult(init)).toThrow(type);
    expect(() => makeResult(init)).toThrow(message);
  });

  it("makeInstances rejects a bad count", () => {
    expect(() => makeInstances({ ...two, count: 1.5 })).toThrow(
      "instances count must be a non-negative integer, got 1.5",
    );
  });
});

describe("paintInstanceIds / withTrackIds", () => {
  it("paints higher scores on top with labelId·1000 + index, then + trackId", () => {
    const r = makeResult({ ...base, instances: two });
    // instance 0 (car 26, 0.9) wins the overlap at pixels 1 and 5
    expect([...paintInstanceIds(r, 4, 2)]).toEqual([26000, 26000, 24001, 24001, 26000, 26000, 24001, 24001]);
    const t = withTrackIds(r, new Int32Array([7, 3]));
    expect(t.instances!.trackIds).toEqual(new Int32Array([7, 3]));
    expect([...paintInstanceIds(t.instances!, 4, 2)]).toEqual([
      26007, 26007, 24003, 24003, 26007, 26007, 24003, 24003,
    ]);
    const pre = new Uint16Array(8).fill(7); // stuff label prefilled
    const low = makeResult({ ...base, instances: { ...two, scores: new Float32Array([0.1, 0.5]) } });
    expect([...paintInstanceIds(low, 4, 2, (i) => i + 1, pre)]).toEqual([1, 2, 2, 2, 1, 2, 2, 2]);
    expect(() => paintInstanceIds(r, 4, 2, () => 70000)).toThrow(
      "instance 1 id value 70000 does not fit in 16 bits",
    );
    expect(() => withTrackIds(r, new Int32Array(1))).toThrow(
      "instances trackIds has length 1, expected 2 (count 2)",
    );
    expect(decodeRle(r.instances!.masks[0]!)).toEqual(new Uint8Array([1, 1, 0, 0, 1, 1, 0, 0]));
  });
});
