import { describe, expect, it } from "vitest";
import { decodeRle, encodeRle } from "../../../src/frames/rle.js";
import {
  makeInstances,
  makeResult,
  type Instances,
  type SemanticMap,
} from "../../../src/inference/result.js";
import { mergeResults } from "../../../src/pipeline/merge.js";
import { agreeWithSemantic } from "../../../src/pipeline/semantic-agreement.js";

const W = 8;
const H = 4;
const [ROAD, BUILDING, PERSON, RIDER, CAR] = [7, 11, 24, 25, 26];

/** A W×H semantic map from rows of label ids. */
function semantic(rows: number[][]): SemanticMap {
  return { width: W, height: H, classIds: Uint8Array.from(rows.flat()) };
}

/** A mask covering the pixels where `rows` has a 1. */
function mask(rows: string[]) {
  return encodeRle(Uint8Array.from(rows.join("").split(""), Number), W, H);
}

function instances(list: { classId: number; score: number; rows: string[] }[]): Instances {
  return makeInstances(
    {
      boxes: Float32Array.from(list.flatMap((_, i) => [i, i, i + 1, i + 1])),
      scores: Float32Array.from(list, (d) => d.score),
      classIds: Uint8Array.from(list, (d) => d.classId),
      masks: list.map((d) => mask(d.rows)),
    },
    { width: W, height: H },
  );
}

const rowsOf = (m: Instances["masks"][number]): string[] => {
  const px = Array.from(decodeRle(m)).join("");
  return [0, 1, 2, 3].map((r) => px.slice(r * W, (r + 1) * W));
};

// Columns 0–1 building, 2–3 person, 4–7 car; the bottom row is road.
const SEM = semantic([
  [BUILDING, BUILDING, PERSON, PERSON, CAR, CAR, CAR, CAR],
  [BUILDING, BUILDING, PERSON, PERSON, CAR, CAR, CAR, CAR],
  [BUILDING, BUILDING, PERSON, RIDER, CAR, CAR, CAR, CAR],
  [ROAD, ROAD, ROAD, ROAD, ROAD, ROAD, ROAD, ROAD],
]);

describe("agreeWithSemantic", () => {
  const dets = instances([
    // A person mask spilling onto the car: 6 of its 9 pixels are human (person or rider).
    { classId: PERSON, score: 0.9, rows: ["00111000", "00111000", "00111000", "00000000"] },
    // A car mask with one row on the road: 12 of 16 agree, cut to its 12 car pixels.
    { classId: CAR, score: 0.8, rows: ["00001111", "00001111", "00001111", "00001111"] },
    // A "rider" on the building: 1 of 6 pixels human — dropped.
    { classId: RIDER, score: 0.7, rows: ["11000000", "11000000", "11100000", "00000000"] },
  ]);

  it("cuts agreeing instances to their category's pixels and drops the others", () => {
    const out = agreeWithSemantic(dets, SEM, 0.5);
    expect(out.count).toBe(2);
    expect(Array.from(out.classIds)).toEqual([PERSON, CAR]);
    expect(Array.from(out.scores)).toEqual([Math.fround(0.9), Math.fround(0.8)]);
    expect(rowsOf(out.masks[0]!)).toEqual(["00110000", "00110000", "00110000", "00000000"]);
    expect(rowsOf(out.masks[1]!)).toEqual(["00001111", "00001111", "00001111", "00000000"]);
    // Boxes stay the instance model's.
    expect(Array.from(out.boxes)).toEqual([0, 0, 1, 1, 1, 1, 2, 2]);
  });

  it("keeps an instance exactly at the threshold and drops it just above", () => {
    // The person mask agrees on 6 / 9 = 0.667.
    expect(agreeWithSemantic(dets, SEM, 6 / 9).classIds[0]).toBe(PERSON);
    expect(Array.from(agreeWithSemantic(dets, SEM, 0.7).classIds)).toEqual([CAR]);
  });

  it("keeps instances of categories the semantic model cannot label", () => {
    // A semantic model with no human classes (road, building, car only) cannot disagree with a rider.
    const out = agreeWithSemantic(dets, SEM, 0.5, [ROAD, BUILDING, CAR]);
    expect(Array.from(out.classIds)).toEqual([PERSON, CAR, RIDER]);
    expect(out.masks[0]).toBe(dets.masks[0]);
    expect(out.masks[2]).toBe(dets.masks[2]);
    expect(rowsOf(out.masks[1]!)).toEqual(["00001111", "00001111", "00001111", "00000000"]);
  });

  it("returns the instances unchanged at 0", () => {
    expect(agreeWithSemantic(dets, SEM, 0)).toBe(dets);
  });

  it("rejects a threshold outside [0, 1] and a map of another size", () => {
    expect(() => agreeWithSemantic(dets, SEM, 1.5)).toThrow(
      new RangeError("minAgreement must be in [0, 1], got 1.5"),
    );
    const small: SemanticMap = { width: 4, height: 4, classIds: new Uint8Array(16) };
    expect(() => agreeWithSemantic(dets, small, 0.5)).toThrow(
      new RangeError("instance 0 mask is 8x4, the semantic map 4x4"),
    );
  });
});

describe("mergeResults with minSemanticAgreement", () => {
  const base = { frameId: 3, sourceId: "cam", stampNs: 5n, width: W, height: H, timings: {} };
  const semanticPart = makeResult({ ...base, semantic: SEM });
  const inst = instances([
    { classId: CAR, score: 0.8, rows: ["00001111", "00001111", "00001111", "00001111"] },
    { classId: RIDER, score: 0.7, rows: ["11000000", "11000000", "11100000", "00000000"] },
  ]);
  const instancePart = makeResult({ ...base, instances: inst, detections: inst });

  it("filters instances and detections, then paints the survivors over the semantic map", () => {
    const merged = mergeResults(
      [
        { model: "deeplab", result: semanticPart },
        { model: "yolact", result: instancePart },
      ],
      { minSemanticAgreement: 0.5 },
    );
    expect(Array.from(merged.instances!.classIds)).toEqual([CAR]);
    expect(Array.from(merged.detections!.classIds)).toEqual([CAR]);
    // The dropped rider is not painted: the building keeps its pixels; the road under the car's
    // cut-off row stays road.
    expect(Array.from(merged.semantic!.classIds)).toEqual(Array.from(SEM.classIds));
  });

  it("checks a mask shared by instances and detections once: the same kept mask in both", () => {
    // As the instance adapters build them: instances are a prefix of detections, same objects.
    const person = { classId: PERSON, score: 0.9, rows: ["00111000", "00111000", "00111000", "00000000"] };
    const car = { classId: CAR, score: 0.8, rows: ["00001111", "00001111", "00001111", "00001111"] };
    const rider = { classId: RIDER, score: 0.2, rows: ["11000000", "11000000", "11100000", "00000000"] };
    const dets = instances([person, car, rider]);
    const shown = makeInstances(
      {
        boxes: dets.boxes.slice(0, 8),
        scores: dets.scores.slice(0, 2),
        classIds: dets.classIds.slice(0, 2),
        masks: dets.masks.slice(0, 2),
      },
      { width: W, height: H },
    );
    const merged = mergeResults(
      [
        { model: "deeplab", result: semanticPart },
        { model: "yolact", result: makeResult({ ...base, instances: shown, detections: dets }) },
      ],
      { minSemanticAgreement: 0.5 },
    );
    expect(Array.from(merged.detections!.classIds)).toEqual([PERSON, CAR]);
    expect(Array.from(merged.instances!.classIds)).toEqual([PERSON, CAR]);
    // The car's cut mask is one object in both lists (computed once), equal to a lone check's.
    expect(merged.instances!.masks[1]).toBe(merged.detections!.masks[1]);
    expect(rowsOf(merged.instances!.masks[1]!)).toEqual(rowsOf(agreeWithSemantic(shown, SEM, 0.5).masks[1]!));
    expect(rowsOf(merged.instances!.masks[1]!)).toEqual(["00001111", "00001111", "00001111", "00000000"]);
  });

  it("checks instances only against the categories the semantic model's manifest lists", () => {
    const parts = [
      { model: "stuff-only", result: semanticPart },
      { model: "yolact", result: instancePart },
    ];
    const labelIdsByModel = new Map([["stuff-only", [ROAD, BUILDING, CAR]]]);
    const merged = mergeResults(parts, { minSemanticAgreement: 0.5, labelIdsByModel });
    expect(Array.from(merged.instances!.classIds)).toEqual([CAR, RIDER]);
  });

  it("keeps every instance when off", () => {
    const merged = mergeResults([
      { model: "deeplab", result: semanticPart },
      { model: "yolact", result: instancePart },
    ]);
    expect(merged.instances!.count).toBe(2);
    expect(merged.semantic!.classIds[0]).toBe(RIDER);
  });
});
