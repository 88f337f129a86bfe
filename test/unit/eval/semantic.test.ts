/**
 * Known-answer tests for the Cityscapes pixel-level scores (specs/05 §1), on hand-made label
 * images written as real PNGs. Label ids: 0 unlabeled (void), 7 road, 8 sidewalk, 9 parking
 * (ignored), 11 building, 24 person, 25 rider, 26 car, 29 caravan (ignored). Instance values
 * are labelId·1000 + k.
 */
import { rm } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import {
  AVG_CLASS_SIZE,
  SemanticAccumulator,
  evaluate,
  type SemanticResult,
} from "../../../src/eval/index.js";
import { tempDir, writeGt, writePred } from "./fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function evalOne(gt: number[][], pred: number[][]): Promise<SemanticResult> {
  const root = await tempDir("ka");
  dirs.push(root);
  const stem = "testcity_000000_000019";
  await writeGt(root, "val", stem, gt);
  await writePred(`${root}/pred`, stem, pred);
  const r = await evaluate({ gt: root, pred: `${root}/pred`, tasks: ["semantic"] });
  expect(r.frames).toBe(1);
  return r.semantic!;
}

describe("semantic IoU (one 4×4 frame)", () => {
  // GT (labelIds = instanceIds, no instances):   prediction:
  //   7 7 7 7                                      7  7 7 8   ← one road pixel predicted sidewalk
  //   7 7 8 8                                      7  9 8 8   ← one road pixel predicted parking (ignored id)
  //   0 0 8 8                                      7  8 8 8   ← void GT predicted road / sidewalk
  //   0 0 8 8                                      11 0 8 7   ← void predicted building; sidewalk predicted road
  const gt = [
    [7, 7, 7, 7],
    [7, 7, 8, 8],
    [0, 0, 8, 8],
    [0, 0, 8, 8],
  ];
  const pred = [
    [7, 7, 7, 8],
    [7, 9, 8, 8],
    [7, 8, 8, 8],
    [11, 0, 8, 7],
  ];

  it("counts FN for ignored-id predictions, no FP on void GT, and averages only defined classes", async () => {
    const s = await evalOne(gt, pred);
    // road: GT 6 px; TP 4; FN 2 (one → sidewalk, one → parking: ignored ids still count as FN);
    //   FP 1 (the sidewalk pixel at (3,3)); the road prediction on void GT (2,0) is not an FP.
    //   IoU = 4 / (4 + 1 + 2) = 4/7
    expect(s.classes.road).toMatchObject({ tp: 4, fn: 2, fp: 1 });
    expect(s.classes.road!.iou).toBeCloseTo(4 / 7, 12);
    // sidewalk: GT 6 px; TP 5; FN 1 (→ road); FP 1 (road pixel (0,3)); (2,1) lies on void GT → no FP.
    //   IoU = 5 / (5 + 1 + 1) = 5/7
    expect(s.classes.sidewalk).toMatchObject({ tp: 5, fn: 1, fp: 1 });
    expect(s.classes.sidewalk!.iou).toBeCloseTo(5 / 7, 12);
    // building: predicted only on void GT → TP = FP = FN = 0 → NaN, left out of the mean.
    expect(s.classes.building!.iou).toBeNaN();
    expect(Object.keys(s.classes)).toHaveLength(19);
    expect(s.classes.parking).toBeUndefined(); // ignored in evaluation
    // mIoU = (4/7 + 5/7) / 2 = 9/14
    expect(s.mIoU).toBeCloseTo(9 / 14, 12);
    // flat = {road, sidewalk}: TP = C[7,7]+C[7,8]+C[8,7]+C[8,8] = 4+1+1+5 = 11;
    //   FN = rows 7,8 (12 px) − 11 = 1 (the parking prediction); FP = 0 (void rows excluded).
    //   IoU = 11/12. construction (building only predicted on void) → NaN.
    expect(s.categories.flat!.iou).toBeCloseTo(11 / 12, 12);
    expect(s.categories.construction!.iou).toBeNaN();
    expect(s.categoryIoU).toBeCloseTo(11 / 12, 12);
    expect(Object.keys(s.categories)).toEqual([
      "flat",
      "construction",
      "object",
      "nature",
      "sky",
      "human",
      "vehicle",
    ]);
    // no instances at all → every iIoU undefined
    expect(s.iIoU).toBeNaN();
    expect(s.categoryIIoU).toBeNaN();
    expect(s.pixels).toBe(16);
  });
});

describe("semantic iIoU (one 8×4 frame with instances)", () => {
  // instanceIds (A = car 26000, 8 px; B = car 26001, 2 px; P = person 24000, 4 px; rest road 7):
  //   A A A A B B 7 7
  //   A A A A P P 7 7
  //   7 7 7 7 P P 7 7
  //   7 7 7 7 7 7 7 7
  const A = 26000;
  const B = 26001;
  const P = 24000;
  const gt = [
    [A, A, A, A, B, B, 7, 7],
    [A, A, A, A, P, P, 7, 7],
    [7, 7, 7, 7, P, P, 7, 7],
    [7, 7, 7, 7, 7, 7, 7, 7],
  ];
  // prediction: A fully car; B entirely road (missed small car); P half person, half rider;
  // one road pixel predicted car.
  const pred = [
    [26, 26, 26, 26, 7, 7, 7, 7],
    [26, 26, 26, 26, 24, 24, 7, 7],
    [7, 7, 7, 7, 25, 25, 7, 7],
    [7, 7, 7, 7, 7, 7, 7, 26],
  ];
  const S = AVG_CLASS_SIZE.car!;

  it("weights every instance to the class-average size", async () => {
    const s = await evalOne(gt, pred);
    // car IoU: TP 8, FN 2 (B), FP 1 (road pixel) → 8/11
    expect(s.classes.car!.iou).toBeCloseTo(8 / 11, 12);
    // car iIoU: A: weight S/8, tp 8 → tpW = S; B: weight S/2, fn 2 → fnW = S; FP 1 (unweighted)
    //   iIoU = S / (S + 1 + S) ≈ 0.49998 — the missed small car now weighs as much as the big one.
    expect(s.classes.car!.iiou).toBeCloseTo(S / (2 * S + 1), 12);
    expect(s.classes.car!.iiou).toBeLessThan(s.classes.car!.iou - 0.2);
    // person: TP 2, FN 2, FP 0 → IoU 0.5; iIoU: w = Sp/4, tpW = Sp/2, fnW = Sp/2 → 0.5
    expect(s.classes.person!.iou).toBeCloseTo(0.5, 12);
    expect(s.classes.person!.iiou).toBeCloseTo(0.5, 12);
    // rider: no GT, FP 2 → IoU 0/2 = 0, iIoU 0/(0+2+0) = 0
    expect(s.classes.rider!.iou).toBe(0);
    expect(s.classes.rider!.iiou).toBe(0);
    // road: GT 18, TP 17, FN 1 (→ car), FP 2 (B predicted road) → 17/20; stuff → iIoU NaN
    expect(s.classes.road!.iou).toBeCloseTo(17 / 20, 12);
    expect(s.classes.road!.iiou).toBeNaN();
    // truck etc.: nothing anywhere → NaN
    expect(s.classes.truck!.iou).toBeNaN();
    expect(s.classes.truck!.iiou).toBeNaN();
    expect(s.mIoU).toBeCloseTo((8 / 11 + 0.5 + 0 + 17 / 20) / 4, 12);
    expect(s.iIoU).toBeCloseTo((S / (2 * S + 1) + 0.5 + 0) / 3, 12);
    // categories — flat: TP 17, FN 1, FP 2 → 17/20;
    //   human {24,25}: TP = C[24,24]+C[24,25] = 4, FN 0, FP 0 → 1 (rider confusion is within the category)
    //   vehicle: TP 8, FN 2, FP 1 → 8/11
    expect(s.categories.flat!.iou).toBeCloseTo(17 / 20, 12);
    expect(s.categories.human!.iou).toBe(1);
    expect(s.categories.vehicle!.iou).toBeCloseTo(8 / 11, 12);
    expect(s.categoryIoU).toBeCloseTo((17 / 20 + 1 + 8 / 11) / 3, 12);
    // category iIoU: human: P catTp 4 → tpW = Sp, fnW 0, FP 0 → 1; vehicle: as car → S/(2S+1)
    expect(s.categories.human!.iiou).toBe(1);
    expect(s.categories.vehicle!.iiou).toBeCloseTo(S / (2 * S + 1), 12);
    expect(s.categories.flat!.iiou).toBeNaN();
    expect(s.categoryIIoU).toBeCloseTo((1 + S / (2 * S + 1)) / 2, 12);
    expect(s.instances).toBe(3);
  });

  it("ignores group regions (value < 1000) and instances of ignored classes for iIoU", async () => {
    // 26 = car group (no instance index), 29000 = caravan instance (ignored in eval)
    const g = [
      [26000, 26000, 26, 26],
      [29000, 29000, 7, 7],
    ];
    const p = [
      [26, 26, 7, 7],
      [26, 26, 7, 7],
    ];
    const s = await evalOne(g, p);
    // car IoU: GT car px = 4 (instance 2 + group 2); TP 2, FN 2; FP: caravan rows ignored → 0 → 0.5
    expect(s.classes.car!.iou).toBeCloseTo(0.5, 12);
    // car iIoU: only the instance: w = S/2, tpW = S, fnW 0; FP 0 → 1
    expect(s.classes.car!.iiou).toBe(1);
    expect(s.instances).toBe(1);
  });
});

describe("SemanticAccumulator (reference quirks)", () => {
  it("counts caravan/trailer predictions as vehicle for category iIoU but not category IoU", () => {
    // one car instance of 4 px: 2 predicted car, 2 predicted caravan (29, ignored id)
    const acc = new SemanticAccumulator();
    acc.add(
      Uint8Array.of(26, 26, 26, 26),
      Uint16Array.of(26000, 26000, 26000, 26000),
      Uint8Array.of(26, 26, 29, 29),
    );
    const s = acc.result();
    // car: TP 2, FN 2 → IoU 0.5; iIoU: tpW = 2·S/4, fnW = 2·S/4 → 0.5
    expect(s.classes.car!.iou).toBe(0.5);
    expect(s.classes.car!.iiou).toBeCloseTo(0.5, 12);
    // vehicle IoU uses only evaluated labels: TP 2, FN 2 → 0.5
    expect(s.categories.vehicle!.iou).toBe(0.5);
    // vehicle iIoU uses all labels with instances (caravan included): catTp 4 → 1
    expect(s.categories.vehicle!.iiou).toBe(1);
  });

  it("accumulates over frames and keeps predicted ids above 33 as FN", () => {
    const acc = new SemanticAccumulator();
    // frame 1: 2 road px, both right. frame 2: 2 road px, one predicted 200 (not a label id).
    acc.add(Uint8Array.of(7, 7), Uint16Array.of(7, 7), Uint8Array.of(7, 7));
    acc.add(Uint8Array.of(7, 7), Uint16Array.of(7, 7), Uint8Array.of(7, 200));
    const s = acc.result();
    // road: TP 3, FN 1, FP 0 → 3/4
    expect(s.classes.road!.iou).toBe(0.75);
    expect(acc.frames).toBe(2);
    expect(s.pixels).toBe(4);
  });

  it("rejects GT label ids that are not Cityscapes ids, naming the value", () => {
    const acc = new SemanticAccumulator();
    expect(() => acc.add(Uint8Array.of(7, 40), Uint16Array.of(7, 40), Uint8Array.of(7, 7))).toThrow(
      /label id 40/,
    );
  });
});
