/**
 * The tracker on held-out synthetic sequences, end to end through the product code:
 * writeSynthetic (GT tree) → detections from the exact GT instanceIds, degraded by a seeded,
 * test-controlled amount (degrade.ts) → MultiSourceTracker with DEFAULT_CONFIG.tracking →
 * PredictionWriter → evaluate({ tasks: ["tracking"] }) with the eval's default minGtArea
 * (100 px: smaller GT instances are ignore regions, like Cityscapes' minRegionSize), so
 * detections are made for GT instances of ≥ 100 px only.
 *
 * Two degradations: MODERATE (3 % dropped, 1 px shifts) and STRONG (10 % dropped, 2 px shifts).
 * Three references on the same detections: oracle ids (the GT id of each detection: the
 * ceiling the detections allow), short-gap oracle ids (GT ids, but a new id whenever an object
 * went ≥ SHORT_GAP frames without a detection: perfect association that cannot re-identify
 * after an occlusion) and no tracking (a fresh id per detection per frame, so the metric and
 * the test can fail).
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
 * Two test-controlled amounts of degradation (see degrade.ts). MODERATE is the level of the
 * issue's bound (IDF1 ≥ 0.95): a few dropped detections, 1 px mask shifts, eroded or dilated
 * boundaries, jittered boxes and low-score detections that only BYTE's low-score rule can use.
 * STRONG (10 % dropped, 2 px shifts) is asserted relative to oracle ids, because the detections
 * themselves cap IDF1 near 0.90 there.
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
 * MODERATE, measured: IDF1 0.9535 (without appearance, i.e. motion and masks only: 0.944;
 * before the association changes of issue 6: 0.900; oracle ids 0.967, short-gap oracle 0.937).
 * What appearance (colour histograms under the masks) buys: objects back from full occlusions
 * of 6–24 frames with perspective motion are re-found in the wider appearance gate, and a
 * neighbour of another colour no longer takes a track whose object vanished (a pedestrian
 * leaving at the frame edge as another one enters). On other seeds (the same amounts,
 * sweeps outside this suite): 4242 0.962, 777 0.948, 2024 0.953 — the bound holds here with
 * little margin.
 */
const MODERATE_MIN_IDF1 = 0.95;
/**
 * STRONG, measured: IDF1 0.8919 (0.8900 before output masks went to the smaller confident one;
 * motion and masks only: 0.865; before issue 6: 0.829), oracle ids 0.901.
 */
const STRONG_MIN_IDF1 = 0.88;
/** Oracle-id IDF1 minus tracker IDF1, STRONG: measured 0.011 (motion and masks only 0.036). */
const MAX_ASSOCIATION_LOSS = 0.02;
/** A new short-gap-oracle id after this many frames without a detection (0.29 s at 17 fps). */
const SHORT_GAP = 5;
/** The issue's done-when bound (see MODERATE_MIN_IDF1). */
const ISSUE_IDF1 = 0.95;
/** The tracker without appearance (motion and masks only). */
const NO_APPEARANCE = { appearanceMinSimilarity: 0, appearanceRecoveryGate: 0 } as const;
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
  readonly shortGap: EvalResult;
  readonly noAppearance: EvalResult;
}

/** GT tree once; detections degraded by `degradation`; tracked, untracked and oracle predictions scored. */
async function scenario(root: string, gt: string, name: string, degradation: Degradation): Promise<Scenario> {
  {
    const predTracked = join(root, `${name}-tracked`);
    const predControl = join(root, `${name}-untracked`);
    const predOracle = join(root, `${name}-oracle`);
    const predShortGap = join(root, `${name}-short-gap`);
    const predNoAppearance = join(root, `${name}-no-appearance`);

    const tracker = new MultiSourceTracker(trackingOptions());
    const plainTracker = new MultiSourceTracker({ ...trackingOptions(), ...NO_APPEARANCE });
    const noAppearanceWriter = new PredictionWriter(predNoAppearance);
    const writer = new PredictionWriter(predTracked);
    const controlWriter = new PredictionWriter(predControl);
    const oracleWriter = new PredictionWriter(predOracle);
    const shortGapWriter = new PredictionWriter(predShortGap);
    /** Short-gap oracle: per GT value, the last frame with a detection and its id segment. */
    const lastSeen = new Map<number, number>();
    const segment = new Map<number, number>();
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
        const image = { width: WIDTH, height: HEIGHT, encoding: "rgb8" as const, data: fr.rgb };
        await writer.write({ frame, result: tracker.update(result, { sequence, image }) });
        await noAppearanceWriter.write({ frame, result: plainTracker.update(result, { sequence, image }) });
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
        const shortGapIds = Int32Array.from(gtValues, (v) => {
          const key = s * 65536 + v;
          const last = lastSeen.get(key);
          if (last !== undefined && f - last > SHORT_GAP) segment.set(key, (segment.get(key) ?? 0) + 1);
          lastSeen.set(key, f);
          return v + 65536 * (segment.get(key) ?? 0);
        });
        const shortGap = makeResult({ ...result, instances: { ...instances, trackIds: shortGapIds } });
        await shortGapWriter.write({ frame, result: shortGap });
      }
    }
    await writer.close();
    await controlWriter.close();
    await oracleWriter.close();
    await shortGapWriter.close();
    await noAppearanceWriter.close();
    console.log(
      `${name}: degraded GT detections (seed ${SEED}, ${SEQUENCES}x${FRAMES} frames ${WIDTH}x${HEIGHT} @ ${FPS} fps):`,
      JSON.stringify(stats),
    );
    return {
      tracked: await evaluate({ gt, pred: predTracked, tasks: ["tracking"] }),
      control: await evaluate({ gt, pred: predControl, tasks: ["tracking"] }),
      oracle: await evaluate({ gt, pred: predOracle, tasks: ["tracking"] }),
      shortGap: await evaluate({ gt, pred: predShortGap, tasks: ["tracking"] }),
      noAppearance: await evaluate({ gt, pred: predNoAppearance, tasks: ["tracking"] }),
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
    lines.push(figures(`gap<${SHORT_GAP} ids`, r.shortGap.tracking!.detAveraged));
    lines.push(figures("no appear.", r.noAppearance.tracking!.detAveraged));
    lines.push(figures("untracked", r.control.tracking!.detAveraged));
    console.log(`${name} (DEFAULT_CONFIG.tracking):\n${lines.join("\n")}`);
  }

  it(`moderate degradation: IDF1 ≥ ${MODERATE_MIN_IDF1} (issue 6), at least the short-gap oracle's`, () => {
    report("moderate", moderate);
    const t = moderate.tracked.tracking!;
    expect(moderate.tracked.frames).toBe(SEQUENCES * FRAMES);
    expect(t.sequences).toBe(SEQUENCES);
    expect(t.minGtArea).toBe(MIN_PIXELS);
    expect(t.detAveraged.identity.idf1).toBeGreaterThanOrEqual(MODERATE_MIN_IDF1);
    expect(MODERATE_MIN_IDF1).toBeGreaterThanOrEqual(ISSUE_IDF1);
    // Association at least as good as perfect ids that cannot bridge occlusions ≥ SHORT_GAP.
    expect(t.detAveraged.identity.idf1).toBeGreaterThanOrEqual(
      moderate.shortGap.tracking!.detAveraged.identity.idf1,
    );
  });

  it("appearance improves identity over motion and masks alone, at both degradations", () => {
    for (const r of [moderate, strong]) {
      const withLooks = r.tracked.tracking!.detAveraged.identity.idf1;
      const without = r.noAppearance.tracking!.detAveraged.identity.idf1;
      expect(withLooks).toBeGreaterThan(without + 0.005);
    }
  });

  it(`strong degradation: IDF1 ≥ ${STRONG_MIN_IDF1}, within ${MAX_ASSOCIATION_LOSS} of oracle ids`, () => {
    report("strong", strong);
    const t = strong.tracked.tracking!.detAveraged.identity.idf1;
    expect(t).toBeGreaterThanOrEqual(STRONG_MIN_IDF1);
    expect(strong.oracle.tracking!.detAveraged.identity.idf1 - t).toBeLessThanOrEqual(MAX_ASSOCIATION_LOSS);
    // The detections themselves cap IDF1 here (10 % dropped).
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
