/**
 * The tracker on held-out synthetic sequences, end to end through the product code:
 * writeSynthetic (GT tree) → detections from the exact GT instanceIds, degraded by a seeded,
 * test-controlled amount (degrade.ts) → MultiSourceTracker with DEFAULT_CONFIG.tracking →
 * PredictionWriter → evaluate({ tasks: ["tracking"] }) with the eval's default minGtArea
 * (100 px: smaller GT instances are ignore regions, like Cityscapes' minRegionSize), so
 * detections are made for GT instances of ≥ 100 px only.
 *
 * Two degradations: MODERATE (3 % dropped, 1 px shifts) asserts an IDF1 floor; STRONG (10 %
 * dropped, 2 px shifts) is asserted relative to the same detections with oracle (GT) ids, since
 * there the detections cap IDF1 near 0.905. Controls: without tracking (a fresh id per detection
 * per frame) IDF1 is far lower, so the metric and the test can fail.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config/defaults.js";
import { evaluate, type EvalResult, type TrackingScores } from "../../../src/eval/index.js";
import { DEFAULT_MIN_GT_AREA } from "../../../src/eval/tracking.js";
import { makeFrame } from "../../../src/frames/frame.js";
import { makeResult } from "../../../src/inference/result.js";
import { PredictionWriter } from "../../../src/sinks/predictions.js";
import { SynthSequence, sequenceSeed, writeSynthetic } from "../../../src/synth/index.js";
import { frameStem } from "../../../src/synth/layout.js";
import { hashSeed, Rng } from "../../../src/synth/rng.js";
import { MultiSourceTracker } from "../../../src/tracking/index.js";
import { degradedDetections, emptyStats, type Degradation } from "./degrade.js";

/** Held out: training uses synth seeds 1 (train) and 9001 (held-out val), see training/export_onnx.py. */
const SEED = 31337;
const SEQUENCES = 3;
const FRAMES = 30;
const WIDTH = 640;
const HEIGHT = 320;
const FPS = 17;
const CITY = "heldout";
const SPLIT = "val";

/** Detections are made for GT instances the eval scores (≥ its default minGtArea). */
const MIN_PIXELS = DEFAULT_MIN_GT_AREA;
const LOW_BAND: readonly [number, number] = [0.15, 0.5];
const DETECTION_SEED = 0xde7;

/**
 * Two test-controlled amounts of degradation (see degrade.ts). MODERATE is what the issue's
 * bound (IDF1 ≥ 0.95) is asserted on: a few dropped detections, 1 px mask shifts, eroded or
 * dilated boundaries, jittered boxes and low-score detections that only BYTE's second stage can
 * use. STRONG (10 % dropped, 2 px shifts) is asserted relative to oracle ids, because the
 * detections themselves cap IDF1 near 0.905 there.
 */
const MODERATE: Degradation = {
  minPixels: MIN_PIXELS,
  dropProb: 0.03,
  maxShift: 1,
  shiftSidePx: 8,
  morphProb: 0.3,
  morphMinSide: 10,
  boxJitter: 1,
  baseScore: 0.85,
  scoreNoise: 0.1,
  lowScoreProb: 0.15,
  lowBand: LOW_BAND,
};
const STRONG: Degradation = {
  ...MODERATE,
  dropProb: 0.1,
  maxShift: 2,
  morphProb: 0.5,
  boxJitter: 1.5,
};

/**
 * Regression floor for MODERATE: measured 0.908 (oracle ids 0.967). The issue's target is 0.95;
 * cars, trucks, buses and riders reach it (0.95–0.98) but persons do not (0.80, 12 ID switches:
 * small pedestrians walking close together), so the target is not met yet.
 */
const MODERATE_MIN_IDF1 = 0.9;
/** Regression floor: measured 0.879 (before this tracker revision: 0.804). */
const MIN_IDF1 = 0.87;
/** Oracle-id IDF1 minus tracker IDF1 on the same detections: measured 0.026 (before: 0.101). */
const MAX_ASSOCIATION_LOSS = 0.03;
/** The issue's done-when bound; unreachable here, see the module comment. */
const ISSUE_IDF1 = 0.95;
const MAX_CONTROL_IDF1 = 0.5;

function trackingOptions(): Omit<typeof DEFAULT_CONFIG.tracking, "enabled"> {
  const { enabled: _enabled, ...rest } = DEFAULT_CONFIG.tracking;
  return rest;
}

function figures(name: string, s: TrackingScores): string {
  const f = (v: number): string => v.toFixed(4);
  return (
    `${name.padEnd(12)} IDF1 ${f(s.identity.idf1)}  HOTA ${f(s.hota.hota)}  DetA ${f(s.hota.detA)}` +
    `  AssA ${f(s.hota.assA)}  MOTSA ${f(s.clear.motsa)}  sMOTSA ${f(s.clear.smotsa)}` +
    `  IDS ${s.clear.ids}  GT ${s.clear.gt}  TP ${s.clear.tp}  FP ${s.clear.fp}  FN ${s.clear.fn}`
  );
}

interface Scenario {
  readonly tracked: EvalResult;
  readonly control: EvalResult;
  readonly oracle: EvalResult;
}

/** GT tree once; detections degraded by `degradation`; tracked, untracked and oracle predictions scored. */
async function scenario(root: string, gt: string, name: string, degradation: Degradation): Promise<Scenario> {
  {
    const predTracked = join(root, `${name}-tracked`);
    const predControl = join(root, `${name}-untracked`);
    const predOracle = join(root, `${name}-oracle`);

    const tracker = new MultiSourceTracker(trackingOptions());
    const writer = new PredictionWriter(predTracked);
    const controlWriter = new PredictionWriter(predControl);
    const oracleWriter = new PredictionWriter(predOracle);
    const stats = emptyStats();
    const data = new Uint8Array(WIDTH * HEIGHT * 3);
    let freshId = 1;
    for (let s = 0; s < SEQUENCES; s++) {
      const seq = new SynthSequence({
        seed: sequenceSeed(SEED, s),
        width: WIDTH,
        height: HEIGHT,
        fps: FPS,
        frames: FRAMES,
      });
      const rng = new Rng(hashSeed(DETECTION_SEED, s));
      const sequence = `${CITY}_${String(s).padStart(6, "0")}`;
      for (let f = 0; f < FRAMES; f++) {
        const fr = seq.render(f);
        const { instances, gtValues } = degradedDetections(
          fr.instanceIds,
          WIDTH,
          HEIGHT,
          degradation,
          rng,
          stats,
        );
        const result = makeResult({
          frameId: f,
          sourceId: "synth",
          stampNs: fr.stampNs,
          width: WIDTH,
          height: HEIGHT,
          instances,
        });
        const frame = makeFrame({
          id: f,
          stampNs: fr.stampNs,
          sourceId: "synth",
          width: WIDTH,
          height: HEIGHT,
          encoding: "rgb8",
          data,
          meta: { stem: frameStem(CITY, s, f) },
        });
        await writer.write({ frame, result: tracker.update(result, { sequence }) });
        // Control: no association, a fresh id per detection per frame.
        const trackIds = Int32Array.from(instances.scores, () => freshId++);
        const untracked = makeResult({ ...result, instances: { ...instances, trackIds } });
        await controlWriter.write({ frame, result: untracked });
        // Oracle: the same detections with their GT ids (the ceiling the detections allow).
        const ideal = makeResult({
          ...result,
          instances: { ...instances, trackIds: Int32Array.from(gtValues) },
        });
        await oracleWriter.write({ frame, result: ideal });
      }
    }
    await writer.close();
    await controlWriter.close();
    await oracleWriter.close();
    console.log(
      `${name}: degraded GT detections (seed ${SEED}, ${SEQUENCES}x${FRAMES} frames ${WIDTH}x${HEIGHT} @ ${FPS} fps):`,
      JSON.stringify(stats),
    );
    return {
      tracked: await evaluate({ gt, pred: predTracked, tasks: ["tracking"] }),
      control: await evaluate({ gt, pred: predControl, tasks: ["tracking"] }),
      oracle: await evaluate({ gt, pred: predOracle, tasks: ["tracking"] }),
    };
  }
}

describe("tracker on held-out synthetic sequences with degraded GT detections", () => {
  let root: string;
  let moderate: Scenario;
  let strong: Scenario;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "segstream-degraded-gt-"));
    const gt = join(root, "gt");
    await writeSynthetic({
      out: gt,
      frames: FRAMES,
      seed: SEED,
      width: WIDTH,
      height: HEIGHT,
      fps: FPS,
      city: CITY,
      split: SPLIT,
      sequences: SEQUENCES,
    });
    moderate = await scenario(root, gt, "moderate", MODERATE);
    strong = await scenario(root, gt, "strong", STRONG);
  }, 180_000);

  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  function report(name: string, r: Scenario): void {
    const t = r.tracked.tracking!;
    const lines = [figures("combined", t.detAveraged), figures("class-avg", t.classAveraged)];
    for (const [cls, sc] of Object.entries(t.classes)) lines.push(figures(cls, sc));
    lines.push(figures("oracle ids", r.oracle.tracking!.detAveraged));
    lines.push(figures("untracked", r.control.tracking!.detAveraged));
    console.log(`${name} (DEFAULT_CONFIG.tracking):\n${lines.join("\n")}`);
  }

  it(`moderate degradation: IDF1 ≥ ${MODERATE_MIN_IDF1} (detection-averaged)`, () => {
    report("moderate", moderate);
    const t = moderate.tracked.tracking!;
    expect(moderate.tracked.frames).toBe(SEQUENCES * FRAMES);
    expect(t.sequences).toBe(SEQUENCES);
    expect(t.minGtArea).toBe(MIN_PIXELS);
    expect(t.detAveraged.identity.idf1).toBeGreaterThanOrEqual(MODERATE_MIN_IDF1);
  });

  it(`strong degradation: IDF1 ≥ ${MIN_IDF1}, within ${MAX_ASSOCIATION_LOSS} of oracle ids`, () => {
    report("strong", strong);
    const t = strong.tracked.tracking!.detAveraged.identity.idf1;
    expect(t).toBeGreaterThanOrEqual(MIN_IDF1);
    expect(strong.oracle.tracking!.detAveraged.identity.idf1 - t).toBeLessThanOrEqual(MAX_ASSOCIATION_LOSS);
    // The detections themselves cap IDF1 here (10 % dropped): why this case is relative.
    expect(strong.oracle.tracking!.detAveraged.identity.idf1).toBeLessThan(ISSUE_IDF1);
  });

  it(`controls: without tracking IDF1 < ${MAX_CONTROL_IDF1}; oracle ids make no ID switch`, () => {
    for (const r of [moderate, strong]) {
      const c = r.control.tracking!.detAveraged.identity.idf1;
      expect(c).toBeLessThan(MAX_CONTROL_IDF1);
      expect(c).toBeLessThan(r.tracked.tracking!.detAveraged.identity.idf1 - 0.3);
      expect(r.oracle.tracking!.detAveraged.clear.ids).toBe(0);
    }
  });
});
