/**
 * `segstream eval --min-gt-area <px>` (tracking): GT instances below the area are ignore regions.
 * A small synthetic GT tree with the GT instances written back as tracked predictions; the
 * number of scored GT masks must equal an independent count of the instances at or above the
 * area, for the default (100), 0 and a value above every instance; bad values exit 2 naming the
 * flag and the value.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFrame } from "../../src/frames/frame.js";
import { isInstanceValue } from "../../src/eval/segments.js";
import { makeResult } from "../../src/inference/result.js";
import { PredictionWriter } from "../../src/sinks/predictions.js";
import { SynthSequence, sequenceSeed, writeSynthetic } from "../../src/synth/index.js";
import { frameStem } from "../../src/synth/layout.js";
import { Rng } from "../../src/synth/rng.js";
import { degradedDetections } from "../integration/tracking/degrade.js";
import { cli } from "./cli.js";

const SEED = 4711;
const FRAMES = 4;
const W = 320;
const H = 160;
const FPS = 17;
const CITY = "minarea";

/** Exact GT as detections: nothing dropped, shifted, eroded or rescored. */
const EXACT = {
  minPixels: 0,
  dropProb: 0,
  maxShift: 0,
  shiftSidePx: 8,
  morphProb: 0,
  morphMinSide: 10,
  boxJitter: 0,
  baseScore: 0.9,
  scoreNoise: 0,
  lowScoreProb: 0,
  lowBand: [0.15, 0.5] as const,
};

interface TrackingJson {
  tracking: {
    minGtArea: number;
    detAveraged: { clear: { gt: number; ids: number }; identity: { idf1: number } };
  };
}

describe("segstream eval --min-gt-area", () => {
  let root: string;
  let gt: string;
  let pred: string;
  /** Per-frame areas of the evaluated GT thing instances. */
  const areas: number[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "segstream-min-gt-area-"));
    gt = join(root, "gt");
    pred = join(root, "pred");
    const opts = { seed: SEED, width: W, height: H, fps: FPS, frames: FRAMES };
    await writeSynthetic({ ...opts, out: gt, city: CITY, split: "val", sequences: 1 });
    const seq = new SynthSequence({ ...opts, seed: sequenceSeed(SEED, 0) });
    const writer = new PredictionWriter(pred);
    for (let f = 0; f < FRAMES; f++) {
      const fr = seq.render(f);
      const count = new Map<number, number>();
      for (const v of fr.instanceIds) if (isInstanceValue(v)) count.set(v, (count.get(v) ?? 0) + 1);
      areas.push(...count.values());
      const { instances, gtValues } = degradedDetections(fr.instanceIds, W, H, EXACT, new Rng(1));
      const result = makeResult({
        frameId: f,
        sourceId: "synth",
        stampNs: fr.stampNs,
        width: W,
        height: H,
        instances: { ...instances, trackIds: Int32Array.from(gtValues) },
      });
      const frame = makeFrame({
        id: f,
        stampNs: fr.stampNs,
        sourceId: "synth",
        width: W,
        height: H,
        encoding: "rgb8",
        data: new Uint8Array(W * H * 3),
        meta: { stem: frameStem(CITY, 0, f) },
      });
      await writer.write({ frame, result });
    }
    await writer.close();
  }, 120_000);

  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  const evalTracking = (extra: string[]): TrackingJson => {
    const r = cli(["eval", "--gt", gt, "--pred", pred, "--tasks", "tracking", "--json", ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as TrackingJson;
  };
  const atLeast = (m: number): number => areas.filter((a) => a >= m).length;

  it("scores only GT instances of at least the given area (default 100)", () => {
    const max = Math.max(...areas);
    // The scene has instances on both sides of the default, so the flag changes the outcome.
    expect(atLeast(0)).toBeGreaterThan(atLeast(100));
    expect(atLeast(100)).toBeGreaterThan(0);
    for (const [flag, m] of [
      [[], 100],
      [["--min-gt-area", "0"], 0],
      [["--min-gt-area", "100"], 100],
      [["--min-gt-area", String(max + 1)], max + 1],
    ] as const) {
      const t = evalTracking([...flag]).tracking;
      expect(t.minGtArea).toBe(m);
      expect(t.detAveraged.clear.gt).toBe(atLeast(m));
      expect(t.detAveraged.clear.ids).toBe(0);
      if (atLeast(m) > 0) expect(t.detAveraged.identity.idf1).toBe(1);
    }
  });

  it("rejects a negative, fractional or non-numeric area with exit 2 naming the flag and value", () => {
    for (const bad of ["-5", "1.5", "abc", "1e3", ""]) {
      const r = cli(["eval", "--gt", gt, "--pred", pred, "--tasks", "tracking", `--min-gt-area=${bad}`]);
      expect(r.code, `${bad}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("--min-gt-area");
      expect(r.stderr).toContain(`"${bad}"`);
    }
    // The separate-argument form of a negative value reaches the same check.
    const r = cli(["eval", "--gt", gt, "--pred", pred, "--tasks", "tracking", "--min-gt-area", "-5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--min-gt-area");
    expect(r.stderr).toContain("-5");
  });
});
