/**
 * The baseline of bench/pipeline.ts: W worker threads, each with its own ONNX session of T
 * intra-op threads, calling `session.run` in a loop on a pre-filled input (no decode, no
 * preprocess, no postprocess) for a fixed time; frames/s summed over the workers, the process's
 * CPU per frame, and the main thread's event-loop lag meanwhile.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { ResolvedModel } from "../src/inference/index.js";
import { LoopLag } from "../src/util/loop-lag.js";

const ORT_PATH = createRequire(import.meta.url).resolve("onnxruntime-node");

/** Bare loop in a worker: session → 3 warm-up runs → "ready"; on "go" runs until the deadline. */
const BARE_WORKER = `
const { parentPort, workerData: d } = require("node:worker_threads");
const ort = require(d.ortPath);
(async () => {
  const s = await ort.InferenceSession.create(d.onnxPath, {
    intraOpNumThreads: d.threads, graphOptimizationLevel: "all", executionProviders: ["cpu"],
    ...(d.spin ? {} : { extra: { session: { "intra_op.allow_spinning": "0" } } }),
  });
  const feeds = { [d.inputName]: new ort.Tensor("float32", new Float32Array(3 * d.width * d.height).fill(0.1), [1, 3, d.height, d.width]) };
  for (let i = 0; i < 3; i++) await s.run(feeds);
  parentPort.postMessage({ type: "ready" });
  parentPort.once("message", async () => {
    const t0 = performance.now();
    let runs = 0;
    while (performance.now() - t0 < d.ms) { await s.run(feeds); runs++; }
    const elapsed = performance.now() - t0;
    await s.release();
    parentPort.postMessage({ type: "done", runs, elapsed });
  });
})();
`;

export interface BareLoopOptions {
  readonly model: ResolvedModel;
  readonly workers: number;
  readonly threadsPerSession: number;
  /** ORT's default intra-op spinning (the engine's workers turn it off; see session.ts). */
  readonly spin: boolean;
  /** How long the loops run after their warm-up, ms. */
  readonly ms: number;
}

export interface BareLoopFigures {
  /** `session.run` calls per second, summed over the workers. */
  readonly fps: number;
  /** Main-thread lag p99 while the loops ran, ms (util/loop-lag.ts). */
  readonly lagP99: number;
  /** CPU time of the whole process (all threads) per run, ms. */
  readonly cpuMsPerFrame: number;
}

/** W concurrent bare loops of T threads each. */
export async function bareLoop(o: BareLoopOptions): Promise<BareLoopFigures> {
  const { width, height, name: inputName } = o.model.manifest.input;
  const workers = Array.from(
    { length: o.workers },
    () =>
      new Worker(BARE_WORKER, {
        eval: true,
        workerData: {
          ortPath: ORT_PATH,
          onnxPath: o.model.onnxPath,
          inputName,
          width,
          height,
          threads: o.threadsPerSession,
          ms: o.ms,
          spin: o.spin,
        },
      }),
  );
  const next = (wk: Worker) =>
    new Promise<{ type: string; runs: number; elapsed: number }>((resolve, reject) => {
      wk.once("message", resolve);
      wk.once("error", reject);
    });
  await Promise.all(workers.map(next)); // ready
  const lag = new LoopLag().start();
  const done = workers.map(next);
  const cpu0 = process.cpuUsage();
  for (const wk of workers) wk.postMessage("go");
  const res = await Promise.all(done);
  const cpu = process.cpuUsage(cpu0);
  lag.stop();
  await Promise.all(workers.map((wk) => wk.terminate()));
  return {
    fps: res.reduce((a, r) => a + (r.runs * 1000) / r.elapsed, 0),
    lagP99: lag.summary()?.p99 ?? NaN,
    cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / res.reduce((a, r) => a + r.runs, 0),
  };
}

/** Main-thread lag p99 and max of this process over `ms` with nothing running, ms (machine noise). */
export async function idleLag(ms: number): Promise<{ p99: number; max: number }> {
  const h = new LoopLag().start();
  await new Promise((r) => setTimeout(r, ms));
  h.stop();
  const s = h.summary();
  return { p99: s?.p99 ?? NaN, max: s?.max ?? NaN };
}
