/**
 * Known-answer tests for Cityscapes instance AP (specs/05 §2) on one hand-made 40×20 frame.
 * Label ids: 0 unlabeled (void), 7 road, 24 person, 25 rider, 26 car.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AP_OVERLAPS, evaluate, parseInstancesJson, prArea } from "../../../src/eval/index.js";
import { tempDir, writeGt } from "./fixtures.js";
import { canvas, maskOf, rect, rectMask, writePredFrame, type PredObject } from "./instance-fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// GT (x ranges half-open):
//   car A 26000  x 0..10,  y 0..10  (100 px)      person 24000 x 0..10,  y 10..20 (100 px)
//   car B 26001  x 10..20, y 0..10  (100 px)      rider  25000 x 10..20, y 10..20 (100 px, never predicted)
//   car C 26002  x 20..25, y 0..5   (25 px: below the 100 px minimum, not scored)
//   void (0)     x 30..40, y 0..20;  road (7) elsewhere
function gtRows(): number[][] {
  const g = canvas(40, 20, 7);
  rect(g, 0, 0, 10, 10, 26000);
  rect(g, 10, 0, 20, 10, 26001);
  rect(g, 20, 0, 25, 5, 26002);
  rect(g, 0, 10, 10, 20, 24000);
  rect(g, 10, 10, 20, 20, 25000);
  rect(g, 30, 0, 40, 20, 0);
  return g;
}

describe("instance AP (one 40×20 frame)", () => {
  it("handles duplicates, void-ignored and too-small matches, and integrates the reference PR curve", async () => {
    const g = gtRows();
    const car = (score: number, mask: PredObject["mask"]): PredObject => ({
      trackId: null,
      labelId: 26,
      score,
      mask,
    });
    const preds: PredObject[] = [
      car(0.9, rectMask(g, 0, 0, 10, 10)), // p1: car A exactly (IoU 1) → TP
      car(0.8, rectMask(g, 0, 0, 10, 10)), // p2: car A again → duplicate → FP (score 0.8)
      car(0.7, rectMask(g, 30, 0, 40, 10)), // p3: all on void → ignored at every threshold
      car(0.6, rectMask(g, 20, 10, 30, 20)), // p4: on road → FP
      // p5: rows 0..5 of car B (60 px) + 2 px of row 6 = 62 px inside B → IoU 0.62:
      //     TP at 0.50 / 0.55 / 0.60; at 0.65 … 0.95 an FP (not on ignore area) and B a hard FN.
      car(
        0.5,
        maskOf(g, (_, x, y) => x >= 10 && x < 20 && (y < 6 || (y === 6 && x < 12))),
      ),
      car(0.95, rectMask(g, 20, 0, 25, 5)), // p6: car C exactly: matches a too-small GT → neither TP nor FP
      { trackId: null, labelId: 24, score: 0.9, mask: rectMask(g, 0, 10, 10, 20) }, // person exactly
      { trackId: null, labelId: 29, score: 0.9, mask: rectMask(g, 20, 10, 30, 20) }, // caravan: not evaluated
    ];
    const root = await tempDir("ap");
    dirs.push(root);
    const stem = "testcity_000000_000019";
    await writeGt(root, "val", stem, g);
    await writePredFrame(join(root, "pred"), stem, g, preds);
    const r = (await evaluate({ gt: root, pred: join(root, "pred"), tasks: ["instance"] })).instance!;

    // car, th ≤ 0.60: examples (score, TP?) = (0.9 T) (0.8 F) (0.6 F) (0.5 T), hard FN 0.
    //   ascending thresholds 0.5 / 0.6 / 0.8 / 0.9 → (P, R) = (2/4, 1) (1/3, 1/2) (1/2, 1/2) (1, 1/2), then (1, 0).
    //   widths (r_{i−1} − r_{i+1})/2 with r_{−1} = r_0, r_5 = 0: 1/4, 1/4, 0, 1/4, 1/4
    //   AP = ½·¼ + ⅓·¼ + 0 + 1·¼ + 1·¼ = 17/24.
    // car, th ≥ 0.65: (0.9 T) (0.8 F) (0.6 F) (0.5 F), hard FN 1 (car B)
    //   (P, R) = (1/4, 1/2) (1/3, 1/2) (1/2, 1/2) (1, 1/2), then (1, 0); widths 0, 0, 0, 1/4, 1/4 → AP = 1/2.
    const carAp = r.classes.car!;
    carAp.byOverlap.forEach((ap, i) =>
      expect(ap, `th ${AP_OVERLAPS[i]}`).toBeCloseTo(i < 3 ? 17 / 24 : 0.5, 12),
    );
    expect(carAp.ap).toBeCloseTo((3 * (17 / 24) + 7 * 0.5) / 10, 12);
    expect(carAp.ap50).toBeCloseTo(17 / 24, 12);
    expect(carAp.gt).toBe(2);
    expect(carAp.predictions).toBe(6);
    expect(r.classes.person!.ap).toBe(1);
    expect(r.classes.rider!.ap).toBe(0); // GT but no prediction
    expect(r.classes.truck!.ap).toBeNaN(); // no GT
    // means over classes with GT (car, person, rider)
    expect(r.ap).toBeCloseTo((0.5625 + 1 + 0) / 3, 12);
    expect(r.ap50).toBeCloseTo((17 / 24 + 1 + 0) / 3, 12);
  });

  it("scores the file's `detections` when present (the model's ranking), tracking its `instances`", async () => {
    const g = gtRows();
    // The tracker kept only car A (score 0.9); the model also found car B at 0.4 (below the
    // display threshold / never a track) and a 0.2 false positive on the road.
    const tracked: PredObject[] = [{ trackId: 7, labelId: 26, score: 0.9, mask: rectMask(g, 0, 0, 10, 10) }];
    const detections = [
      { labelId: 26, score: 0.9, mask: rectMask(g, 0, 0, 10, 10) },
      { labelId: 26, score: 0.4, mask: rectMask(g, 10, 0, 20, 10) },
      { labelId: 26, score: 0.2, mask: rectMask(g, 20, 10, 30, 20) },
    ];
    const root = await tempDir("ap-dets");
    dirs.push(root);
    const stem = "testcity_000000_000019";
    await writeGt(root, "val", stem, g);
    await writePredFrame(join(root, "pred"), stem, g, tracked, detections);
    await writePredFrame(join(root, "pred-old"), stem, g, tracked); // a producer without detections
    const r = await evaluate({ gt: root, pred: join(root, "pred"), tasks: ["instance", "tracking"] });
    // detections: A (0.9 TP), B (0.4 TP), road (0.2 FP); 2 GT cars.
    //   thresholds 0.2 / 0.4 / 0.9 → (P, R) = (2/3, 1) (1, 1) (1, 1/2), then (1, 0)
    //   widths 0, 1/4, 1/2, 1/4 → AP = 0 + 1/4 + 1/2 + 1/4 = 1 at every overlap
    expect(r.instance!.classes.car!.byOverlap).toEqual(new Array(10).fill(1));
    expect(r.instance!.classes.car!.predictions).toBe(3);
    // tracking still scores the tracked instances: one car track, B a miss
    expect(r.tracking!.classes.car!.clear.tp).toBe(1);
    expect(r.tracking!.classes.car!.clear.fn).toBe(1);
    // without `detections` the instances are scored: A only → recall 1/2 → AP 1/2
    const old = await evaluate({ gt: root, pred: join(root, "pred-old"), tasks: ["instance"] });
    expect(old.instance!.classes.car!.ap).toBeCloseTo(0.5, 12);
  });

  it("names a bad `detections` entry with its file", () => {
    const text = JSON.stringify({
      width: 2,
      height: 1,
      instances: [],
      detections: [{ labelId: 26, score: "high", mask: { size: [1, 2], counts: [0, 2] } }],
    });
    expect(() => parseInstancesJson(text, "x/y_pred_instances.json")).toThrow(
      "detections[0].score must be a number",
    );
    const ok = parseInstancesJson(text.replace('"high"', "0.5"), "x/y_pred_instances.json");
    expect(ok.detections).toEqual([
      {
        trackId: null,
        labelId: 26,
        score: 0.5,
        mask: { width: 2, height: 1, counts: new Uint32Array([0, 2]) },
      },
    ]);
  });

  it("merges equal scores into one PR point", () => {
    // scores 0.5 (T), 0.5 (F), 0.9 (T); hard FN 0 → thresholds 0.5, 0.9:
    //   ≥ 0.5: tp 2, fp 1 → (2/3, 1);  ≥ 0.9: tp 1, fp 0 → (1, 1/2); then (1, 0)
    //   widths (1 − 1/2)/2, (1 − 0)/2, (1/2 − 0)/2 → AP = 2/3·¼ + 1·½ + 1·¼ = 11/12
    const c = prArea([1, 0, 1], [0.5, 0.5, 0.9], 0);
    expect(c.precision).toEqual([2 / 3, 1, 1]);
    expect(c.recall).toEqual([1, 0.5, 0]);
    expect(c.ap).toBeCloseTo(11 / 12, 12);
  });
});
