import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config/defaults.js";
import type { Config } from "../../../src/config/schema.js";
import { evaluate, type EvalResult } from "../../../src/eval/index.js";
import { defaultModelsDir } from "../../../src/inference/index.js";
import { runPipeline } from "../../../src/pipeline/assemble.js";
import { silentLogger } from "../../../src/util/logger.js";

/**
 * `segstream run --pred-dir` + `segstream eval --tasks instance` with the bundled YOLACT on the
 * bundled sample (real ONNX, real PNGs, the real worker and tracker). Instance AP ranks the
 * model's detections; the tracker's output is a filtered subset (new tracks need score ≥ 0.6,
 * unmatched low-score detections are dropped, masks made disjoint) and the display threshold
 * (0.3) drops the rest of the ranking. Scoring that output cut the bundled model's held-out bus
 * AP50 from 0.50 to 0.07 — the prediction files must carry the detections for AP.
 */
const FRAMES = 10;
const SAMPLE = "recordings/sample";
const STEMS = Array.from({ length: FRAMES }, (_, i) => `synth_000000_${String(i).padStart(6, "0")}`);

/** The sample's first FRAMES frames with their GT, copied into a Cityscapes tree. */
async function sampleSubset(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "seg-ap-gt-"));
  const img = join(root, "leftImg8bit_sequence", "val", "synth");
  const gt = join(root, "gtFine", "val", "synth");
  await mkdir(img, { recursive: true });
  await mkdir(gt, { recursive: true });
  for (const stem of STEMS) {
    const f = `${stem}_leftImg8bit.png`;
    await copyFile(resolve(SAMPLE, "leftImg8bit_sequence", "val", "synth", f), join(img, f));
    for (const kind of ["labelIds", "instanceIds"]) {
      const g = `${stem}_gtFine_${kind}.png`;
      await copyFile(resolve(SAMPLE, "gtFine", "val", "synth", g), join(gt, g));
    }
  }
  return root;
}

interface JsonInstance {
  trackId?: number | null;
  labelId: number;
  score: number;
}
interface InstancesFile {
  instances: JsonInstance[];
  detections?: JsonInstance[];
}

async function run(gt: string, dir: string, tracking: boolean): Promise<void> {
  const config: Config = {
    ...DEFAULT_CONFIG,
    sources: [`images:${gt}`],
    models: ["yolact-synth"],
    providers: ["cpu"],
    providerOptions: { ...DEFAULT_CONFIG.providerOptions, cpu: { intraOpThreads: 1 } },
    maxFrames: FRAMES,
    tracking: { ...DEFAULT_CONFIG.tracking, enabled: tracking },
    sinks: { ...DEFAULT_CONFIG.sinks, predDir: dir },
    logging: { level: "silent" },
  };
  const summary = await runPipeline({ config, modelsDir: defaultModelsDir(), log: silentLogger });
  expect(summary.frames).toBe(FRAMES);
}

function apTable(r: EvalResult): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [name, c] of Object.entries(r.instance!.classes)) if (c.gt > 0) out[name] = [c.ap50, c.ap];
  return out;
}

describe("instance AP of a pipeline run scores the model's detections", () => {
  const dirs: string[] = [];
  let gt: string;
  let tracked: string;
  let untracked: string;
  beforeAll(async () => {
    gt = await sampleSubset();
    tracked = await mkdtemp(join(tmpdir(), "seg-ap-tracked-"));
    untracked = await mkdtemp(join(tmpdir(), "seg-ap-untracked-"));
    dirs.push(gt, tracked, untracked);
    await run(gt, tracked, true);
    await run(gt, untracked, false);
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("writes every ranked detection (below the display threshold too) beside the tracked instances", async () => {
    const stem = STEMS[5]!;
    const f = JSON.parse(
      await readFile(join(tracked, "synth", `${stem}_pred_instances.json`), "utf8"),
    ) as InstancesFile;
    const dets = f.detections!;
    expect(dets.length).toBeGreaterThan(f.instances.length);
    expect(Math.min(...dets.map((d) => d.score))).toBeLessThan(0.3);
    for (const d of dets) expect(d.trackId).toBeUndefined();
    for (const i of f.instances) expect(i.trackId).toEqual(expect.any(Number));
    // every tracked instance is one of the detections (same class and score)
    for (const i of f.instances) {
      expect(dets.some((d) => d.labelId === i.labelId && d.score === i.score)).toBe(true);
    }
  });

  it("gives the same per-class AP with and without tracking", async () => {
    const [a, b] = await Promise.all([
      evaluate({ gt, pred: tracked, tasks: ["instance", "tracking"] }),
      evaluate({ gt, pred: untracked, tasks: ["instance"] }),
    ]);
    expect(a.frames).toBe(FRAMES);
    const withTracking = apTable(a);
    expect(Object.keys(withTracking).length).toBeGreaterThan(0);
    expect(withTracking).toEqual(apTable(b));
    // the sample's cars are found (AP50 > 0), so the equality above is not 0 = 0
    expect(withTracking.car![0]).toBeGreaterThan(0.1);
    // tracking metrics still score the tracked instances
    expect(a.tracking!.detAveraged.clear.tracks).toBeGreaterThan(0);
  });
});
