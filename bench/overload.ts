/**
 * Live overload (DESIGN.md §7): the synthetic city as a live source at `--factor` (default 2) ×
 * the model's rate for `--seconds` (default 60), through the real engine, the latest-wins
 * policy, tracking (instance models) and the graph — what a camera faster than the model does.
 * Targets: bounded memory, frame-age p99 ≤ 2 × inference p50, every dropped frame counted.
 *
 * The model's rate is measured first, in the same process on the same frames: the engine's
 * time per frame (preprocess + run + postprocess, the worker's own timings) p50 over
 * `--probe` frames after a warm-up, nothing else running. The source then renders on the main
 * thread at factor × that rate; a frame whose time has passed before it could be rendered is
 * skipped at the source, as a camera's driver would (printed: produced vs the nominal count).
 *
 * Printed per model: produced / processed / dropped frames and whether drops = produced −
 * processed; frame age (now − capture stamp) p50 / p99 ÷ the probe's inference p50 (target
 * ≤ 2) and ÷ the inference p50 during the overload (the source's rendering shares the CPU);
 * memory — RSS and JS heap + ArrayBuffers sampled every 250 ms — its peak in each third of the
 * run (bounded: the last third's peak is not above the first's beyond noise). Figures, never
 * a pass/fail test.
 *
 *   node --import tsx bench/overload.ts [--models A,B] [--seconds S] [--factor F] [--size WxH]
 *                                       [--workers N] [--threads N] [--probe N] [--in-flight N]
 *
 * `--in-flight` (default: the workers, what `segstream run` uses for live sources) sets how
 * many frames the graph holds at once; workers + 1 queues one frame in a worker behind the
 * running one, which is what segstream did before 2026-11-29 (frame age ≈ 3 inference times).
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Subject } from "rxjs";
import type { Frame } from "../src/frames/frame.js";
import { InferenceEngine, defaultModelsDir, resolveModel } from "../src/inference/index.js";
import { withDetections } from "../src/pipeline/assemble.js";
import { runGraph } from "../src/pipeline/graph.js";
import { RunMetrics } from "../src/pipeline/metrics.js";
import type { FrameSource, SourceEvent } from "../src/sources/source.js";
import { openSyntheticSource } from "../src/sources/synthetic.js";
import { MultiSourceTracker } from "../src/tracking/index.js";
import { runWithProductFlags } from "./node-flags.js";

runWithProductFlags();

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "deeplab-synth,yolact-synth" },
    seconds: { type: "string", default: "60" },
    factor: { type: "string", default: "2" },
    size: { type: "string", default: "512x256" },
    workers: { type: "string", default: "1" },
    threads: { type: "string", default: "2" },
    probe: { type: "string", default: "30" },
    /** Frames in the graph at once; default: the workers, as `segstream run` for live sources. */
    "in-flight": { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const FACTOR = Number(values.factor);
const [W, H] = values.size.split("x").map(Number) as [number, number];
const WORKERS = Number(values.workers);
const THREADS = Number(values.threads);
const PROBE = Number(values.probe);
const IN_FLIGHT = values["in-flight"] !== undefined ? Number(values["in-flight"]) : WORKERS;
for (const [name, v] of [
  ["--seconds", SECONDS],
  ["--factor", FACTOR],
  ["--size width", W],
  ["--size height", H],
  ["--workers", WORKERS],
  ["--threads", THREADS],
  ["--probe", PROBE],
  ["--in-flight", IN_FLIGHT],
] as const) {
  if (!(Number.isFinite(v) && v > 0)) {
    console.error(`bench/overload: ${name} must be a positive number, got ${String(v)}`);
    process.exit(2);
  }
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const MB = 1024 * 1024;

interface MemSample {
  readonly t: number;
  readonly rss: number;
  readonly js: number;
}

async function overload(name: string): Promise<void> {
  const resolved = resolveModel(name, defaultModelsDir());
  const instance = resolved.manifest.adapter !== "deeplab";
  const tracker = instance ? new MultiSourceTracker({ newTrackThreshold: 0.8 }) : undefined;
  const model =
    tracker !== undefined ? withDetections(resolved, tracker.options.lowScoreThreshold) : resolved;
  const engine = await InferenceEngine.create({
    model,
    providers: ["cpu"],
    workers: WORKERS,
    intraOpThreads: THREADS / WORKERS >= 1 ? Math.floor(THREADS / WORKERS) : 1,
  });
  try {
    // Probe: the model's time per frame on these frames, alone.
    const probe = openSyntheticSource({ seed: 11, width: W, height: H, fps: 1000, maxFrames: PROBE });
    const frames: Frame[] = [];
    for await (const e of probe.events()) if (!("kind" in e)) frames.push(e);
    for (const f of frames.slice(0, 5)) await engine.infer(f); // warm-up
    const probeMs: number[] = [];
    for (const f of frames) {
      const t = (await engine.infer(f)).timings;
      probeMs.push((t.preprocess ?? 0) + (t.run ?? 0) + (t.postprocess ?? 0));
    }
    const inferP50 = pct(
      [...probeMs].sort((a, b) => a - b),
      50,
    );
    const modelFps = (1000 / inferP50) * WORKERS;
    const sourceFps = FACTOR * modelFps;

    const inner = openSyntheticSource({ seed: 5, width: W, height: H, fps: sourceFps });
    // Frames the source hands to the graph. One rendered while the stop arrives is never
    // consumed (the source is unsubscribed): not counted, as a camera's frame after the stop.
    let produced = 0;
    let stopped = false;
    const counted: FrameSource = {
      ...inner,
      async *events(): AsyncGenerator<SourceEvent> {
        for await (const e of inner.events()) {
          if (!("kind" in e) && !stopped) produced++;
          yield e;
        }
      },
    };
    const metrics = new RunMetrics();
    const stop$ = new Subject<void>();
    stop$.subscribe(() => (stopped = true));
    const mem: MemSample[] = [];
    let maxWaiting = 0;
    const t0 = performance.now();
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      mem.push({ t: performance.now() - t0, rss: m.rss, js: m.heapUsed + m.arrayBuffers });
      maxWaiting = Math.max(maxWaiting, produced - metrics.framesIn - metrics.dropCount);
    }, 250);
    const timer = setTimeout(() => stop$.next(), SECONDS * 1000);
    const inferMs: number[] = [];
    await runGraph({
      sources: [counted],
      policyFor: () => "latest-wins",
      stages: {
        infer: async (f) => {
          const r = await engine.infer(f);
          inferMs.push((r.timings.preprocess ?? 0) + (r.timings.run ?? 0) + (r.timings.postprocess ?? 0));
          return r;
        },
        track: (r, f) => (tracker !== undefined ? tracker.update(r, { image: f }) : r),
      },
      maxInFlight: IN_FLIGHT,
      maxFrames: 0,
      losslessSinks: [],
      lossySinks: [],
      sinkQueueBound: 2,
      metrics,
      stop$,
      onProblem: () => undefined,
      wallClockStamps: () => true,
    });
    clearTimeout(timer);
    clearInterval(sampler);
    const wall = (performance.now() - t0) / 1000;
    const s = metrics.summary();
    const loadedP50 = pct(
      [...inferMs].sort((a, b) => a - b),
      50,
    );
    const nominal = Math.floor(sourceFps * wall);
    const age = s.ageMs;
    const thirds = [0, 1, 2].map((k) => {
      const part = mem.filter((m) => m.t >= (k * wall * 1000) / 3 && m.t < ((k + 1) * wall * 1000) / 3);
      return {
        rss: Math.max(...part.map((m) => m.rss)) / MB,
        js: Math.max(...part.map((m) => m.js)) / MB,
      };
    });
    console.log(
      `model ${name} (input ${resolved.manifest.input.width}x${resolved.manifest.input.height}), frames ${W}x${H}, ` +
        `${WORKERS}x${Math.max(1, Math.floor(THREADS / WORKERS))} threads, CPU, latest-wins, ${IN_FLIGHT} in flight` +
        `${tracker ? ", tracking" : ""}`,
    );
    console.log(
      `  inference alone (pre+run+post) p50 ${inferP50.toFixed(1)} ms → ${modelFps.toFixed(1)} frames/s; ` +
        `source at ${FACTOR}× = ${sourceFps.toFixed(1)} frames/s for ${wall.toFixed(1)} s`,
    );
    console.log(
      `  produced ${produced} (nominal ${nominal}; the rest skipped at the source, rendering late) · processed ${s.frames} · ` +
        `drops ${s.drops} · produced − processed = ${produced - s.frames} ${s.drops === produced - s.frames ? "= drops ✓" : "≠ drops ✗"} · ` +
        `most frames waiting at once ${maxWaiting} · failed ${s.failedFrames}`,
    );
    if (age !== undefined) {
      console.log(
        `  frame age p50 ${age.p50.toFixed(1)} · p99 ${age.p99.toFixed(1)} ms; p99 ÷ inference p50 alone = ` +
          `${(age.p99 / inferP50).toFixed(2)} (target ≤ 2) · ÷ inference p50 under overload ` +
          `(${loadedP50.toFixed(1)} ms) = ${(age.p99 / loadedP50).toFixed(2)}`,
      );
    }
    console.log(
      `  memory peak per third of the run: RSS ${thirds.map((x) => x.rss.toFixed(0)).join(" / ")} MB · ` +
        `JS heap + ArrayBuffers ${thirds.map((x) => x.js.toFixed(0)).join(" / ")} MB (bounded: flat across thirds)`,
    );
  } finally {
    await engine.dispose();
  }
}

for (const name of values.models.split(",")) await overload(name.trim());
