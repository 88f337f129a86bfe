/**
 * Known-answer test for Panoptic Quality (specs/05 §3) on one hand-made 8×4 frame.
 * Label ids: 0 unlabeled (VOID), 7 road, 11 building (stuff), 24 person, 26 car (things).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PanopticAccumulator, evaluate } from "../../../src/eval/index.js";
import { tempDir, writeGt } from "./fixtures.js";
import { writePredFrame } from "./instance-fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// GT instanceIds:                                   segments
//   7     7     7  7     7     7     7     7        road 8 px
//   26000 26000 0  24000 26    26    26    0        car A 4 px, person 2 px, car group (crowd) 3 px
//   26000 26000 0  24000 11    11    11    11       VOID: (2,1) (7,1) (2,2) = 3 px
//   11    11    11 11    11    11    11    11       building 12 px
const GT = [
  [7, 7, 7, 7, 7, 7, 7, 7],
  [26000, 26000, 0, 24000, 26, 26, 26, 0],
  [26000, 26000, 0, 24000, 11, 11, 11, 11],
  [11, 11, 11, 11, 11, 11, 11, 11],
];
// Prediction (_pred_instanceIds.png):
//   7     7     7  7  7     26002 26002 7           car 26002 (2 px) on road: FP
//   26000 26000 7  24 26001 26001 26001 26001       car 26000: 3 of car A's 4 px; road on VOID (2,1);
//   26000 26    11 24 11    11    11    11          person as 24 (< 1000: prediction VOID) → person FN;
//   11    11    11 11 11    11    11    11          car 26001: 3 px on the car crowd + 1 on VOID → ignored;
//                                                   26 at (1,2): unassigned thing pixel → prediction VOID
const PRED = [
  [7, 7, 7, 7, 7, 26002, 26002, 7],
  [26000, 26000, 7, 24, 26001, 26001, 26001, 26001],
  [26000, 26, 11, 24, 11, 11, 11, 11],
  [11, 11, 11, 11, 11, 11, 11, 11],
];

describe("panoptic quality (one 8×4 frame)", () => {
  it("matches IoU > 0.5 with pred∩VOID out of the union, ignores crowd/VOID FPs, averages non-empty classes", async () => {
    const root = await tempDir("pq");
    dirs.push(root);
    const stem = "testcity_000000_000019";
    await writeGt(root, "val", stem, GT);
    await writePredFrame(join(root, "pred"), stem, PRED, []);
    const r = await evaluate({ gt: root, pred: join(root, "pred"), tasks: ["panoptic"] });
    const p = r.panoptic!;
    // road: |g| 8, |p| 7 (6 on road + 1 on VOID), inter 6 → IoU = 6 / (7 + 8 − 6 − 1) = 0.75: TP.
    expect(p.classes.road).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(p.classes.road!.pq).toBeCloseTo(0.75, 12);
    expect(p.classes.road!.rq).toBe(1);
    // building: |g| 12, |p| 13 (one on VOID), inter 12 → IoU = 12 / (13 + 12 − 12 − 1) = 1.
    expect(p.classes.building).toMatchObject({ tp: 1, fp: 0, fn: 0, pq: 1, sq: 1, rq: 1 });
    // car: A matched with IoU 3/4; 26002 is an FP; 26001 lies (3 crowd + 1 VOID)/4 = 1 > 0.5 → ignored.
    //   SQ 0.75, RQ = 1 / (1 + ½) = 2/3, PQ = 0.5.
    expect(p.classes.car).toMatchObject({ tp: 1, fp: 1, fn: 0 });
    expect(p.classes.car!.sq).toBeCloseTo(0.75, 12);
    expect(p.classes.car!.rq).toBeCloseTo(2 / 3, 12);
    expect(p.classes.car!.pq).toBeCloseTo(0.5, 12);
    // person: FN only → 0.
    expect(p.classes.person).toMatchObject({ tp: 0, fp: 0, fn: 1, pq: 0, sq: 0, rq: 0 });
    // sky: nothing → reported 0, not averaged.
    expect(p.classes.sky).toMatchObject({ tp: 0, fp: 0, fn: 0, pq: 0 });
    // Things (car, person): PQ (0.5 + 0)/2, SQ (0.75 + 0)/2, RQ (2/3 + 0)/2.
    expect(p.things.n).toBe(2);
    expect(p.things.pq).toBeCloseTo(0.25, 12);
    expect(p.things.sq).toBeCloseTo(0.375, 12);
    expect(p.things.rq).toBeCloseTo(1 / 3, 12);
    // Stuff (road, building): PQ (0.75 + 1)/2.
    expect(p.stuff.n).toBe(2);
    expect(p.stuff.pq).toBeCloseTo(0.875, 12);
    expect(p.stuff.rq).toBe(1);
    // All: PQ (0.75 + 1 + 0.5 + 0)/4, SQ (0.75 + 1 + 0.75 + 0)/4, RQ (1 + 1 + 2/3 + 0)/4.
    expect(p.all.n).toBe(4);
    expect(p.all.pq).toBeCloseTo(0.5625, 12);
    expect(p.all.sq).toBeCloseTo(0.625, 12);
    expect(p.all.rq).toBeCloseTo(2 / 3, 12);
  });

  it("an FP on a crowd of another class is not ignored", () => {
    // GT: person crowd (24) 3 px + road 1 px; pred: car instance over the person crowd → FP for car.
    const acc = new PanopticAccumulator();
    acc.add(Uint16Array.of(24, 24, 24, 7), Uint16Array.of(26000, 26000, 26000, 7));
    const r = acc.result();
    expect(r.classes.car).toMatchObject({ tp: 0, fp: 1, fn: 0 });
    expect(r.classes.road).toMatchObject({ tp: 1, pq: 1 });
  });

  it("has NaN averages when nothing is scored", () => {
    const acc = new PanopticAccumulator();
    acc.add(Uint16Array.of(0, 0), Uint16Array.of(0, 7));
    const r = acc.result();
    expect(r.all.n).toBe(0);
    expect(r.all.pq).toBeNaN();
  });
});
