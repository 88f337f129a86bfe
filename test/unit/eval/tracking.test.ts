/**
 * Known-answer tests for the tracking task (specs/05 §4–§5) on hand-made sequences where every
 * match has IoU exactly 1, so all 19 HOTA α give the same numbers. Also: GT written as
 * predictions scores 1 on every task, and the Hungarian solver.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluate, linearSumAssignment } from "../../../src/eval/index.js";
import { DEFAULT_MIN_GT_AREA } from "../../../src/eval/tracking.js";
import { tempDir, writeGt } from "./fixtures.js";
import {
  canvas,
  gtAsInstances,
  rect,
  rectMask,
  writePredFrame,
  type PredObject,
} from "./instance-fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// Sequence aachen_000001 (3 frames, 6×2): car G1 = 26001 (cols 0–1), car G2 = 26002 (cols 2–3),
// road col 4, void col 5 — the same in every frame.
const CAR_GT = [
  [26001, 26001, 26002, 26002, 7, 0],
  [26001, 26001, 26002, 26002, 7, 0],
];
const det = (trackId: number, labelId: number, x0: number, x1: number): PredObject => ({
  trackId,
  labelId,
  score: 0.9,
  mask: rectMask(CAR_GT, x0, 0, x1, 2),
});
// Tracker: f0: T1 = G1, T2 = G2;  f1: T1 = G1, T2 = G2, T4 on road (FP);  f2: T3 = G1 (ID switch),
// G2 missed (FN), T5 on void (ignored: 100 % on the ignore region).
const CAR_TRACKS: PredObject[][] = [
  [det(1, 26, 0, 2), det(2, 26, 2, 4)],
  [det(1, 26, 0, 2), det(2, 26, 2, 4), det(4, 26, 4, 5)],
  [det(3, 26, 0, 2), det(5, 26, 5, 6)],
];
// Sequence aachen_000002 (2 frames): person 24000 (cols 0–1) tracked perfectly by trackId 1.
const PERSON_GT = [
  [24000, 24000, 7, 7, 7, 7],
  [24000, 24000, 7, 7, 7, 7],
];

async function writeScene(): Promise<string> {
  const root = await tempDir("trk");
  dirs.push(root);
  for (let f = 0; f < 3; f++) {
    const stem = `aachen_000001_00000${f}`;
    await writeGt(root, "val", stem, CAR_GT);
    await writePredFrame(join(root, "pred"), stem, CAR_GT, CAR_TRACKS[f]!);
  }
  for (let f = 0; f < 2; f++) {
    const stem = `aachen_000002_00000${f}`;
    await writeGt(root, "val", stem, PERSON_GT);
    await writePredFrame(join(root, "pred"), stem, PERSON_GT, [
      { trackId: 1, labelId: 24, score: 0.9, mask: rectMask(PERSON_GT, 0, 0, 2, 2) },
    ]);
  }
  return root;
}

describe("tracking (HOTA, MOTSA, IDF1)", () => {
  it("scores an ID switch, an FP, an FN and an ignored det by hand", async () => {
    const root = await writeScene();
    // The GT here are 4 px objects: minGtArea 0 scores them all (the default 100 would ignore them).
    const t = (await evaluate({ gt: root, pred: join(root, "pred"), tasks: ["tracking"], minGtArea: 0 }))
      .tracking!;
    expect(t.minGtArea).toBe(0);
    expect(t.sequences).toBe(2);
    expect(Object.keys(t.classes)).toEqual(["person", "car"]);
    const car = t.classes.car!;
    // HOTA (T5 removed as ignored): GT dets 6, tracker dets 6, TP 5 (IoU 1 ≥ every α), FN 1, FP 1.
    //   DetA = 5/7, DetRe = DetPr = 5/6.
    //   matches: (G1,T1) 2, (G2,T2) 2, (G1,T3) 1; n_G1 = n_G2 = 3, n_T1 = n_T2 = 2, n_T3 = 1.
    //   A = 2/(3+2−2) = 2/3, 2/3, 1/(3+1−1) = 1/3 → AssA = (2·2/3 + 2·2/3 + 1·1/3)/5 = 3/5.
    //   AssRe = same = 3/5 (n_g = 3 each); AssPr = (2·1 + 2·1 + 1·1)/5 = 1.
    //   HOTA = √(5/7 · 3/5) = √(3/7).
    expect(car.hota.detA).toBeCloseTo(5 / 7, 12);
    expect(car.hota.detRe).toBeCloseTo(5 / 6, 12);
    expect(car.hota.assA).toBeCloseTo(3 / 5, 12);
    expect(car.hota.assRe).toBeCloseTo(3 / 5, 12);
    expect(car.hota.assPr).toBeCloseTo(1, 12);
    expect(car.hota.hota).toBeCloseTo(Math.sqrt(3 / 7), 12);
    expect(car.hota.hota0).toBeCloseTo(Math.sqrt(3 / 7), 12);
    expect(car.hota.locA).toBeCloseTo(1, 12);
    // CLEAR (mots_tools): |M| 6, TP 5, FN 1, FP 1 (T5 ignored), IDS 1 (G1: T1, T1, T3).
    //   MOTSA = (5 − 1 − 1)/6 = 1/2 = sMOTSA (TP_soft = 5); MOTSP = 1.
    //   G1 tracked 3/3 → MT, G2 2/3 → PT; one fragmentation (G1's last frame changes id).
    expect(car.clear).toMatchObject({ gt: 6, tp: 5, fn: 1, fp: 1, ids: 1, mt: 1, pt: 1, ml: 0, frag: 1 });
    expect(car.clear.motsa).toBeCloseTo(0.5, 12);
    expect(car.clear.smotsa).toBeCloseTo(0.5, 12);
    expect(car.clear.motsp).toBeCloseTo(1, 12);
    // IDF1: pm (IoU ≥ 0.5) G1–T1 2, G2–T2 2, G1–T3 1 → best one-to-one G1–T1 + G2–T2 → IDTP 4,
    //   IDFN = 6 − 4 = 2, IDFP = 6 − 4 = 2 → IDF1 = 8/(8+2+2) = 2/3.
    expect(car.identity).toMatchObject({ idtp: 4, idfn: 2, idfp: 2 });
    expect(car.identity.idf1).toBeCloseTo(2 / 3, 12);
    // person (second sequence, a fresh id space): perfect.
    const person = t.classes.person!;
    expect(person.hota.hota).toBeCloseTo(1, 12);
    expect(person.clear.motsa).toBe(1);
    expect(person.identity.idf1).toBe(1);
    // det-averaged: TP 7, FN 1, FP 1 → DetA 7/9; AssA = (3/5·5 + 1·2)/7 = 5/7; HOTA = √(5/9).
    expect(t.detAveraged.hota.detA).toBeCloseTo(7 / 9, 12);
    expect(t.detAveraged.hota.assA).toBeCloseTo(5 / 7, 12);
    expect(t.detAveraged.hota.hota).toBeCloseTo(Math.sqrt(5 / 9), 12);
    //   MOTSA = (7 − 1 − 1)/8; IDF1 = 12/(12 + 2 + 2).
    expect(t.detAveraged.clear.motsa).toBeCloseTo(5 / 8, 12);
    expect(t.detAveraged.clear.ids).toBe(1);
    expect(t.detAveraged.identity.idf1).toBeCloseTo(0.75, 12);
    // class-averaged: means of the two classes.
    expect(t.classAveraged.hota.hota).toBeCloseTo((Math.sqrt(3 / 7) + 1) / 2, 12);
    expect(t.classAveraged.clear.motsa).toBeCloseTo(0.75, 12);
    expect(t.classAveraged.identity.idf1).toBeCloseTo(5 / 6, 12);
  });

  it("scores 1 on every task when the GT is written as predictions", async () => {
    const root = await tempDir("perfect");
    dirs.push(root);
    // 3 frames, 30×20: car 26000 moves right, person 24001 stays, a car group (26), void, road, building.
    for (let f = 0; f < 3; f++) {
      const g = canvas(30, 20, 7);
      rect(g, 0, 0, 30, 4, 11);
      rect(g, 2 + f, 5, 14 + f, 15, 26000);
      rect(g, 18, 4, 28, 16, 24001);
      rect(g, 0, 16, 6, 20, 26);
      rect(g, 26, 16, 30, 20, 0);
      const stem = `bonn_000003_00001${f}`;
      await writeGt(root, "val", stem, g);
      await writePredFrame(join(root, "pred"), stem, g, gtAsInstances(g));
    }
    const r = await evaluate({
      gt: root,
      pred: join(root, "pred"),
      tasks: ["semantic", "panoptic", "instance", "tracking"],
    });
    expect(r.frames).toBe(3);
    expect(r.semantic!.mIoU).toBe(1);
    expect(r.panoptic!.all).toMatchObject({ pq: 1, sq: 1, rq: 1, n: 4 });
    expect(r.instance!.ap).toBe(1);
    expect(r.instance!.ap50).toBe(1);
    const t = r.tracking!;
    expect(Object.keys(t.classes)).toEqual(["person", "car"]);
    for (const s of [t.detAveraged, t.classAveraged, ...Object.values(t.classes)]) {
      expect(s.hota.hota).toBeCloseTo(1, 12);
      expect(s.clear.motsa).toBe(1);
      expect(s.clear.smotsa).toBe(1);
      expect(s.clear.ids).toBe(0);
      expect(s.identity.idf1).toBe(1);
    }
  });

  it("turns GT instances below minGtArea (default 100 px) into ignore regions", async () => {
    const root = await tempDir("minarea");
    dirs.push(root);
    // 3 frames, 30×20: car G1 = 26001 (12×10 = 120 px) in every frame; car G2 = 26002 is 3×2 =
    // 6 px in frames 0–1 (far away) and 10×10 = 100 px in frame 2 (exactly the minimum: scored).
    // Tracker: T1 = G1 always; T2 = G2 in frames 0 and 2; in frame 1 T8 covers G2's 6 px plus
    // 2 px of road (75 % of T8 on G2).
    const frames = [0, 1, 2].map((f) => {
      const g = canvas(30, 20, 7);
      rect(g, 2, 5, 14, 15, 26001);
      if (f < 2) rect(g, 20, 2, 23, 4, 26002);
      else rect(g, 18, 6, 28, 16, 26002);
      return g;
    });
    const g2 = [
      rectMask(frames[0]!, 20, 2, 23, 4),
      rectMask(frames[1]!, 20, 2, 24, 4),
      rectMask(frames[2]!, 18, 6, 28, 16),
    ];
    for (let f = 0; f < 3; f++) {
      const stem = `bonn_000004_00000${f}`;
      const g = frames[f]!;
      await writeGt(root, "val", stem, g);
      await writePredFrame(join(root, "pred"), stem, g, [
        { trackId: 1, labelId: 26, score: 0.9, mask: rectMask(g, 2, 5, 14, 15) },
        { trackId: f === 1 ? 8 : 2, labelId: 26, score: 0.8, mask: g2[f]! },
      ]);
    }
    const run = async (minGtArea?: number) =>
      (
        await evaluate({
          gt: root,
          pred: join(root, "pred"),
          tasks: ["tracking"],
          ...(minGtArea === undefined ? {} : { minGtArea }),
        })
      ).tracking!;
    // Default (100 px): G2 is GT only in frame 2. T2 in frame 0 and T8 in frame 1 are unmatched and
    // lie > 50 % on the ignore region (the small G2) → removed. GT 4, TP 4, no FP/FN/IDS.
    const d = await run();
    expect(d.minGtArea).toBe(DEFAULT_MIN_GT_AREA);
    expect(d.minGtArea).toBe(100);
    const car = d.classes.car!;
    expect(car.clear).toMatchObject({ gt: 4, tp: 4, fn: 0, fp: 0, ids: 0 });
    expect(car.clear.motsa).toBe(1);
    expect(car.identity).toMatchObject({ idtp: 4, idfn: 0, idfp: 0 });
    expect(car.hota.hota).toBeCloseTo(1, 12);
    // minGtArea 0: G2 is GT in all 3 frames, matched by T2, T8 (IoU 6/8 > 0.5), T2 → 2 ID switches.
    //   GT 6, TP 6 → MOTSA (6 − 0 − 2)/6 = 2/3; IDF1: G1–T1 3 + G2–T2 2 = IDTP 5, IDFN 1, IDFP 1 → 5/6.
    const all = await run(0);
    expect(all.minGtArea).toBe(0);
    const carAll = all.classes.car!;
    expect(carAll.clear).toMatchObject({ gt: 6, tp: 6, fn: 0, fp: 0, ids: 2 });
    expect(carAll.clear.motsa).toBeCloseTo(2 / 3, 12);
    expect(carAll.identity).toMatchObject({ idtp: 5, idfn: 1, idfp: 1 });
    expect(carAll.identity.idf1).toBeCloseTo(5 / 6, 12);
    await expect(run(-1)).rejects.toThrow(/minGtArea/);
  });

  it("names the missing _pred_instances.json files", async () => {
    const root = await tempDir("missing");
    dirs.push(root);
    await writeGt(root, "val", "aachen_000001_000000", CAR_GT);
    await writePredFrame(join(root, "pred"), "aachen_000001_000000", CAR_GT, []);
    await rm(join(root, "pred", "aachen", "aachen_000001_000000_pred_instances.json"));
    await expect(evaluate({ gt: root, pred: join(root, "pred"), tasks: ["tracking"] })).rejects.toThrow(
      /1 of 1 _pred_instances\.json file\(s\) needed for tracking are missing: .*aachen_000001_000000_pred_instances\.json/,
    );
  });
});

describe("linearSumAssignment", () => {
  it("finds the minimum-cost matching, rectangular both ways", () => {
    // 3×3: optimum 1 + 2 + 2 = 5 via (0,1) (1,0) (2,2)
    const a = linearSumAssignment([4, 1, 3, 2, 0, 5, 3, 2, 2], 3, 3);
    expect([...a.rows]).toEqual([0, 1, 2]);
    expect([...a.cols]).toEqual([1, 0, 2]);
    // 2×3 and its transpose: rows pick cols 2 and 0 (cost 1 + 1)
    const b = linearSumAssignment([5, 9, 1, 1, 9, 5], 2, 3);
    expect([...b.cols]).toEqual([2, 0]);
    const c = linearSumAssignment([5, 1, 9, 9, 1, 5], 3, 2);
    expect([...c.rows]).toEqual([0, 2]);
    expect([...c.cols]).toEqual([1, 0]);
    expect(linearSumAssignment([], 0, 4).rows.length).toBe(0);
  });
});
