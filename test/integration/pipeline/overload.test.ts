import { Subject } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceEngine, defaultModelsDir, resolveModel } from "../../../src/inference/index.js";
import { runGraph } from "../../../src/pipeline/graph.js";
import { RunMetrics } from "../../../src/pipeline/metrics.js";
import type { FrameSource, SourceEvent } from "../../../src/sources/source.js";
import { openSyntheticSource } from "../../../src/sources/synthetic.js";

/**
 * Live overload: the synthetic city as a live source at twice the model's measured rate,
 * through the real worker engine and the real graph with latest-wins.
 */
describe("live overload (synthetic source at 2× the model rate)", () => {
  let engine: InferenceEngine;
  let modelFps = 0;

  beforeAll(async () => {
    // The larger fixture (~45 ms a frame here): twice its rate stays well within what the
    // synthetic source renders per second on the same machine, so all 40 frames are produced.
    const model = resolveModel("test/fixtures/models/engine_seg_1024x512.onnx", defaultModelsDir());
    engine = await InferenceEngine.create({ model, providers: ["cpu"], intraOpThreads: 1 });
    // Measure the model's rate on synthetic frames of the size the test uses, after a warm-up
    // pass (the worker's first frames run cold code and would understate the rate: a source
    // at "2×" a too-low rate is one the engine keeps up with, and nothing is dropped).
    const probe = openSyntheticSource({ seed: 3, width: 320, height: 160, fps: 1000, maxFrames: 10 });
    const frames = [];
    for await (const e of probe.events()) if (!("kind" in e)) frames.push(e);
    for (const f of frames) await engine.infer(f);
    const t0 = performance.now();
    for (const f of frames) await engine.infer(f);
    modelFps = (frames.length * 1000) / (performance.now() - t0);
  });

  afterAll(async () => {
    await engine.dispose();
  });

  it("keeps at most one frame waiting and counts every drop", async () => {
    const inner = openSyntheticSource({ seed: 5, width: 320, height: 160, fps: 2 * modelFps, maxFrames: 40 });
    let produced = 0;
    const counted: FrameSource = {
      ...inner,
      async *events(): AsyncGenerator<SourceEvent> {
        for await (const e of inner.events()) {
          produced++;
          yield e;
        }
      },
    };
    const metrics = new RunMetrics();
    let maxWaiting = 0;
    const probe = setInterval(() => {
      maxWaiting = Math.max(maxWaiting, produced - metrics.framesIn - metrics.dropCount);
    }, 2);
    await runGraph({
      sources: [counted],
      policyFor: () => "latest-wins",
      stages: { infer: (f) => engine.infer(f), track: (r) => r },
      maxInFlight: 1,
      maxFrames: 0,
      losslessSinks: [],
      lossySinks: [],
      sinkQueueBound: 2,
      metrics,
      stop$: new Subject<void>(),
      onProblem: () => undefined,
      wallClockStamps: () => true,
    });
    clearInterval(probe);
    const s = metrics.summary();
    console.log(
      `overload: model ${modelFps.toFixed(1)} fps, source ${(2 * modelFps).toFixed(1)} fps, produced ${produced}, processed ${s.frames}, drops ${s.drops}, age p99 ${s.ageMs?.p99} ms`,
    );
    expect(produced).toBe(40);
    expect(s.drops).toBeGreaterThan(0);
    expect(s.drops).toBe(produced - s.frames);
    expect(maxWaiting).toBeLessThanOrEqual(1);
    expect(s.failedFrames).toBe(0);
  });
});
