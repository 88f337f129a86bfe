/**
 * Inference benchmark (figures and ratios, never pass/fail):
 *   node --import tsx bench/inference.ts [--frames N] [--threads T] [--size WxH] [--json]
 *
 * Per model: preprocess / run / postprocess p50 (ms, in the worker), main-thread event-loop lag
 * p99 while the engine infers (perf_hooks.monitorEventLoopDelay), postprocess as % of run, and
 * a bare `session.run` loop on the main thread with the same model, input size and threads as
 * the baseline for throughput. Models: the engine fixtures (512×256, 1024×512), the adapters'
 * YOLO-seg fixture (letterbox + instance decode), and every bundled model in models/.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import { makeFrame, type Frame } from "../src/frames/frame.js";
import { InferenceEngine } from "../src/inference/pool.js";
import {
  bundledModelNames,
  defaultModelsDir,
  resolveModel,
  type ResolvedModel,
} from "../src/inference/model.js";

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const FRAMES = Number(arg("--frames") ?? 30);
const THREADS = Number(arg("--threads") ?? availableParallelism());
const [FW, FH] = (arg("--size") ?? "2048x1024").split("x").map(Number) as [number, number];
const JSON_OUT = args.includes("--json");
const FIX = join(import.meta.dirname, "..", "test", "fixtures", "models");

function p(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

function syntheticFrame(id: number): Frame {
  const data = new Uint8Array(FW * FH * 3);
  for (let y = 0; y < FH; y++) {
    for (let x = 0; x < FW; x++) {
      const o = (y * FW + x) * 3;
      data[o] = (x + id) & 255;
      data[o + 1] = y & 255;
      data[o + 2] = (x ^ y) & 255;
    }
  }
  return makeFrame({
    id,
    stampNs: BigInt(id) * 33_000_000n,
    sourceId: "bench",
    width: FW,
    height: FH,
    encoding: "rgb8",
    data,
  });
}

/** The adapters' YOLO-seg fixture (1×3×64×64, 3 classes) with a manifest written for it. */
function yoloFixture(): ResolvedModel {
  const dir = mkdtempSync(join(tmpdir(), "segstream-bench-"));
  copyFileSync(join(FIX, "yolo_seg.onnx"), join(dir, "yolo_seg.onnx"));
  const labels = [
    { index: 0, labelId: 24, name: "person", color: [220, 20, 60] },
    { index: 1, labelId: 26, name: "car", color: [0, 0, 142] },
    { index: 2, labelId: 33, name: "bicycle", color: [119, 11, 32] },
  ];
  const manifest = {
    name: "yolo_seg_fixture",
    task: "instance",
    adapter: "yolo-seg",
    input: {
      name: "images",
      width: 64,
      height: 64,
      layout: "NCHW",
      channelOrder: "rgb",
      mean: [0, 0, 0],
      std: [1, 1, 1],
      scale: 1 / 255,
      resize: "letterbox",
      padValue: 114,
    },
    outputs: { output0: "output0", output1: "output1" },
    labels,
    thresholds: { score: 0.01, nmsIou: 0.7, topK: 300, maxDetections: 100, mask: 0.5 },
    provenance: { source: "test/fixtures/models (adapters fixture, random weights)" },
  };
  writeFileSync(join(dir, "yolo_seg.json"), JSON.stringify(manifest));
  return resolveModel(join(dir, "yolo_seg.onnx"), FIX);
}

async function baseline(model: ResolvedModel): Promise<{ runP50: number; fps: number }> {
  const m = model.manifest;
  const s = await ort.InferenceSession.create(model.onnxPath, {
    intraOpNumThreads: THREADS,
    graphOptimizationLevel: "all",
  });
  const t = new ort.Tensor("float32", new Float32Array(3 * m.input.width * m.input.height), [
    1,
    3,
    m.input.height,
    m.input.width,
  ]);
  const feeds = { [m.input.name]: t };
  await s.run(feeds);
  const runs: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    const a = performance.now();
    await s.run(feeds);
    runs.push(performance.now() - a);
  }
  const total = performance.now() - t0;
  await s.release();
  return { runP50: p(runs, 0.5), fps: (FRAMES * 1000) / total };
}

async function engineRun(model: ResolvedModel, frames: Frame[]) {
  const engine = await InferenceEngine.create({
    model,
    providers: ["cpu"],
    workers: 1,
    intraOpThreads: THREADS,
  });
  await engine.infer(frames[0]!); // first frame builds the resize tables
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const results = await Promise.all(frames.map((f) => engine.infer(f)));
  const total = performance.now() - t0;
  h.disable();
  await engine.dispose();
  const col = (k: string) => results.map((r) => r.timings[k] ?? NaN);
  const instances = results.map((r) => r.instances?.count ?? 0);
  return {
    provider: engine.selectedProvider,
    preprocessP50: p(col("preprocess"), 0.5),
    runP50: p(col("run"), 0.5),
    postprocessP50: p(col("postprocess"), 0.5),
    lagP99: h.percentile(99) / 1e6,
    lagMax: h.max / 1e6,
    fps: (FRAMES * 1000) / total,
    instancesP50: p(instances, 0.5),
  };
}

const models: ResolvedModel[] = [
  resolveModel(join(FIX, "engine_seg_512x256.onnx"), FIX),
  resolveModel(join(FIX, "engine_seg_1024x512.onnx"), FIX),
  yoloFixture(),
  ...bundledModelNames(defaultModelsDir()).map((n) => resolveModel(n, defaultModelsDir())),
];
const frames = Array.from({ length: FRAMES }, (_, i) => syntheticFrame(i));
const rows = [];
for (const model of models) {
  const base = await baseline(model);
  const eng = await engineRun(model, frames);
  const row = {
    model: model.name,
    input: `${model.manifest.input.width}x${model.manifest.input.height}`,
    frame: `${FW}x${FH}`,
    threads: THREADS,
    ...eng,
    baselineRunP50: base.runP50,
    baselineFps: base.fps,
    throughputRatio: eng.fps / base.fps,
    postprocessPctOfRun: (100 * eng.postprocessP50) / eng.runP50,
  };
  rows.push(row);
  if (!JSON_OUT) {
    const f = (x: number) => x.toFixed(2);
    console.error(
      `${row.model} (${row.input}, frame ${row.frame}, ${THREADS} threads, ${row.provider}): ` +
        `preprocess ${f(row.preprocessP50)} ms · run ${f(row.runP50)} ms · postprocess ${f(row.postprocessP50)} ms ` +
        `(${row.postprocessPctOfRun.toFixed(1)}% of run) · event-loop lag p99 ${f(row.lagP99)} ms (max ${f(row.lagMax)}) · ` +
        `engine ${row.fps.toFixed(1)} fps vs bare session.run ${row.baselineFps.toFixed(1)} fps (run p50 ${f(row.baselineRunP50)} ms) ` +
        `→ ratio ${row.throughputRatio.toFixed(3)}`,
    );
  }
}
if (JSON_OUT) console.log(JSON.stringify({ frames: FRAMES, threads: THREADS, rows }));
