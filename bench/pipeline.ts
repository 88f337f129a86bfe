/**
 * Replay throughput versus a bare `session.run` loop (DESIGN.md §7), measured in one run:
 *
 *   baseline: the same model, size and intra-op threads, `session.run` in a loop on the
 *             main thread with a pre-filled input tensor (no decode, no preprocess, no postprocess);
 *   replay:   `segstream run`'s graph over PNG frames at the model's input size, lossless,
 *             one worker, no sinks — decode, preprocess, inference, postprocess, tracking.
 *
 * Prints frames/s for both, their ratio (target ≥ 0.95), and the main thread's event-loop
 * lag p99 during the replay (target ≤ 5 ms). Figures, never a pass/fail test.
 *
 *   node --import tsx bench/pipeline.ts [--model PATH_OR_NAME] [--frames N] [--threads N] [--workers 1,2]
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { validateConfig } from "../src/config/load.js";
import { encodePng } from "../src/frames/codec.js";
import { defaultModelsDir, resolveModel } from "../src/inference/index.js";
import { runPipeline } from "../src/pipeline/assemble.js";
import { silentLogger } from "../src/util/logger.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "test/fixtures/models/engine_seg_512x256.onnx" },
    frames: { type: "string", default: "60" },
    threads: { type: "string", default: "2" },
    workers: { type: "string", default: "1,2" },
  },
});
const frames = Number(values.frames);
const threads = Number(values.threads);
const workerCounts = values.workers.split(",").map(Number);
const model = resolveModel(values.model, defaultModelsDir());
const { width, height } = model.manifest.input;

// Baseline: bare session.run on the main thread.
const session = await ort.InferenceSession.create(model.onnxPath, {
  intraOpNumThreads: threads,
  graphOptimizationLevel: "all",
  executionProviders: ["cpu"],
});
const input = new ort.Tensor("float32", new Float32Array(3 * width * height).fill(0.1), [
  1,
  3,
  height,
  width,
]);
const feeds = { [model.manifest.input.name]: input };
for (let i = 0; i < 3; i++) await session.run(feeds);
const tBare = performance.now();
for (let i = 0; i < frames; i++) await session.run(feeds);
const bareFps = (frames * 1000) / (performance.now() - tBare);
await session.release();

// Replay through the graph.
const dir = await mkdtemp(join(tmpdir(), "segstream-bench-"));
for (let i = 0; i < frames; i++) {
  const data = new Uint8Array(width * height * 3).map((_, j) => (j * 7 + i * 31) % 256);
  await writeFile(
    join(dir, `frame${String(i).padStart(4, "0")}.png`),
    await encodePng({ width, height, encoding: "rgb8", data }),
  );
}
const r2 = (x: number): string => x.toFixed(2);
console.log(
  `model            ${model.name} (${width}x${height}), ${threads} threads in all, CPU, ${frames} frames`,
);
console.log(`bare session.run ${r2(bareFps)} frames/s (${threads} intra-op threads, main thread)`);

/** One replay through the graph with `w` workers sharing the thread budget. */
async function replay(w: number): Promise<void> {
  const perWorker = Math.max(1, Math.floor(threads / w));
  const config = validateConfig(
    {
      sources: [`images:${dir}`],
      models: [model.onnxPath],
      providers: ["cpu"],
      workers: w,
      providerOptions: { cpu: { intraOpThreads: perWorker } },
    },
    "bench",
  );
  const lag = monitorEventLoopDelay({ resolution: 1 });
  let started = 0;
  let t0 = 0;
  lag.enable();
  const summary = await runPipeline({
    config,
    modelsDir: defaultModelsDir(),
    log: silentLogger,
    onOutput: () => {
      if (started++ === 0) {
        t0 = performance.now(); // timing starts after the first frame (warm-up, worker start excluded)
        lag.reset();
      }
    },
  });
  const replayFps = ((summary.frames - 1) * 1000) / (performance.now() - t0);
  lag.disable();
  console.log(
    `replay ${w}x${perWorker}       ${r2(replayFps)} frames/s · ratio ${r2(replayFps / bareFps)} (target ≥ 0.95) · ` +
      `event-loop lag p50 ${r2(lag.percentile(50) / 1e6)} ms, p99 ${r2(lag.percentile(99) / 1e6)} ms (target ≤ 5 ms), ` +
      `max ${r2(lag.max / 1e6)} ms · stages ms ${JSON.stringify(summary.stagesMs)}`,
  );
}

for (const w of workerCounts) await replay(w);
await rm(dir, { recursive: true, force: true });
