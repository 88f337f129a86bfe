import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { patternFrame, selfThreadId, threadNices } from "./helpers.js";
import { makeFrame } from "../../../src/frames/frame.js";
import { InputError, type Problem } from "../../../src/frames/problem.js";
import * as ort from "onnxruntime-node";
import { labelMapOf } from "../../../src/inference/adapter-options.js";
import { decodeDeeplab } from "../../../src/inference/adapters/index.js";
import { resolveModel } from "../../../src/inference/model.js";
import {
  EngineClosedError,
  InferenceEngine,
  InferenceError,
  WorkerCrashedError,
} from "../../../src/inference/pool.js";
import { Preprocessor } from "../../../src/inference/preprocess.js";
import { toOutputs } from "../../../src/inference/session.js";

const FIX = join(import.meta.dirname, "..", "..", "fixtures", "models");
const tiny = resolveModel("engine_seg_tiny", FIX);

const frame = patternFrame;

let engines: InferenceEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  engines = [];
});
async function engine(
  opts: Partial<Parameters<typeof InferenceEngine.create>[0]> = {},
): Promise<InferenceEngine> {
  const e = await InferenceEngine.create({ model: tiny, providers: ["cpu"], intraOpThreads: 1, ...opts });
  engines.push(e);
  return e;
}

describe("InferenceEngine (worker threads, real ORT)", () => {
  it("returns 20 results in submission order with timings; the frame stays usable", async () => {
    const e = await engine({ workers: 2 });
    const frames = Array.from({ length: 20 }, (_, i) => frame(i));
    const settled: number[] = [];
    const results = await Promise.all(
      frames.map((f) =>
        e.infer(f).then((r) => {
          settled.push(r.frameId);
          return r;
        }),
      ),
    );
    expect(settled).toEqual(frames.map((f) => f.id));
    for (const [i, r] of results.entries()) {
      expect(r.frameId).toBe(i);
      expect(r.stampNs).toBe(frames[i]!.stampNs);
      expect([r.width, r.height]).toEqual([128, 64]);
      expect(r.semantic?.classIds).toBeInstanceOf(Uint8Array);
      expect(r.semantic?.classIds.length).toBe(128 * 64);
      expect(Object.keys(r.timings).sort()).toEqual(["postprocess", "preprocess", "run"]);
    }
    expect(frames[0]!.data.byteLength).toBe(128 * 64 * 3); // copied, not transferred
    expect(e.selectedProvider).toBe("cpu");
    expect(e.stats.completed).toBe(20);
  });

  it("same frame → same result (deterministic), from any worker", async () => {
    const e = await engine({ workers: 2 });
    const [a, b] = await Promise.all([e.infer(frame(5)), e.infer(frame(5))]);
    expect(Buffer.from(a.semantic!.classIds).equals(Buffer.from(b.semantic!.classIds))).toBe(true);
  });

  it("worker result (logits written into the argmax's memory) = preprocess → run → decode in this thread", async () => {
    const e = await engine({ workers: 1 });
    const m = tiny.manifest;
    const s = await ort.InferenceSession.create(tiny.onnxPath);
    try {
      for (const id of [1, 2]) {
        const f = frame(id);
        const pre = new Preprocessor(m.input);
        const geometry = pre.run(f);
        const input = new ort.Tensor("float32", pre.tensor, [1, 3, m.input.height, m.input.width]);
        const outputs = toOutputs(await s.run({ [m.input.name]: input }));
        const ctx = { geometry, labels: labelMapOf(m), frameId: id, sourceId: "test", stampNs: f.stampNs };
        const direct = decodeDeeplab(outputs, ctx, { outputName: m.outputs.logits! });
        const viaWorker = await e.infer(f);
        expect(viaWorker.semantic!.classIds).toEqual(direct.semantic!.classIds);
      }
    } finally {
      await s.release();
    }
  });

  it.each(["exit", "throw"] as const)(
    "worker crash (%s) → worker-crashed problem, frame fails, restart, next frame works",
    async (mode) => {
      const problems: Problem[] = [];
      const e = await engine({ testHooks: true, onProblem: (p) => problems.push(p) });
      const before = e.workerThreadIds;
      const ok0 = e.infer(frame(0));
      const crashed = e.infer(frame(1), { testCrash: mode });
      const after = e.infer(frame(2));
      await expect(ok0).resolves.toMatchObject({ frameId: 0 });
      const err = await crashed.catch((x: unknown) => x);
      expect(err).toBeInstanceOf(WorkerCrashedError);
      expect((err as WorkerCrashedError).problem).toMatchObject({
        code: "worker-crashed",
        frameId: 1,
        sourceId: "test",
      });
      // Frame 2 was queued behind the crash in the same worker: it fails too or runs after the restart.
      await after.catch(() => undefined);
      const next = await e.infer(frame(3));
      expect(next.frameId).toBe(3);
      expect(problems.some((p) => p.code === "worker-crashed" && p.frameId === 1)).toBe(true);
      expect(e.stats.crashes).toBe(1);
      expect(e.stats.restarts).toBe(1);
      expect(e.workerThreadIds).not.toEqual(before);
    },
  );

  it.each([false, true])(
    "a frame that fails in the worker (overlap %s) → inference-failed problem; the engine goes on",
    async (overlap) => {
      const problems: Problem[] = [];
      const e = await engine({ overlap, onProblem: (p) => problems.push(p) });
      const bad = makeFrame({
        id: 1,
        stampNs: 1n,
        sourceId: "test",
        width: 4,
        height: 4,
        encoding: "mono16",
        data: new Uint8Array(32),
      });
      const [r0, r1, r2] = await Promise.allSettled([e.infer(frame(0)), e.infer(bad), e.infer(frame(2))]);
      expect(r0.status).toBe("fulfilled");
      expect(r1.status).toBe("rejected");
      expect((r1 as PromiseRejectedResult).reason).toBeInstanceOf(InferenceError);
      expect(r2.status).toBe("fulfilled");
      expect(problems).toEqual([expect.objectContaining({ code: "inference-failed", frameId: 1 })]);
      expect(problems[0]!.reason).toContain("mono16");
    },
  );

  it("keeps the main event loop responsive while inference runs (gap ≪ inference time)", async () => {
    const big = resolveModel("engine_seg_1024x512", FIX);
    const e = await engine({ model: big, intraOpThreads: 1 });
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 2);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await e.infer(frame(i, 1024, 512)));
    clearInterval(timer);
    const runMs = Math.min(...results.map((r) => r.timings.run!));
    // Were session.run on the main thread, the largest timer gap would be at least runMs.
    // Off-thread, it is bounded by scheduling noise; compare with the inference time measured
    // in the same run rather than a fixed number of milliseconds (the machines are noisy).
    // The run must be long against the 2 ms timer for the comparison to mean anything
    // (measured: 44 ms on an idle 2-core machine, ~100 ms under load).
    expect(runMs).toBeGreaterThan(20);
    expect(maxGap).toBeLessThan(runMs / 2);
  });

  it.runIf(process.platform === "linux")(
    "runs the worker and its ORT threads at nice +5 (workerNice default), the calling thread unchanged",
    async () => {
      const self = selfThreadId();
      const before = threadNices();
      const e = await engine({ intraOpThreads: 2 });
      await e.infer(frame(0));
      const after = threadNices();
      const base = before.get(self)!;
      expect(after.get(self)).toBe(base);
      const lowered = [...after].filter(([tid, n]) => !before.has(tid) && n === Math.min(19, base + 5));
      expect(lowered.length).toBeGreaterThanOrEqual(2); // the worker thread + ≥ 1 ORT pool thread
    },
  );

  it("dispose terminates the workers; later infer rejects", async () => {
    const e = await InferenceEngine.create({
      model: tiny,
      providers: ["cpu"],
      workers: 2,
      intraOpThreads: 1,
    });
    expect(e.workerThreadIds).toHaveLength(2);
    const inflight = e.infer(frame(0));
    await e.dispose();
    await expect(inflight).resolves.toMatchObject({ frameId: 0 }); // drained, not dropped
    expect(e.workerThreadIds).toEqual([]);
    await expect(e.infer(frame(1))).rejects.toBeInstanceOf(EngineClosedError);
    await e.dispose(); // idempotent
  });

  it("supports `await using`", async () => {
    let ids: number[] = [];
    {
      await using e = await InferenceEngine.create({ model: tiny, providers: ["cpu"], intraOpThreads: 1 });
      ids = e.workerThreadIds;
      await e.infer(frame(0));
    }
    expect(ids).toHaveLength(1);
  });

  it("start-up with no usable provider → InputError from the worker, nothing left running", async () => {
    const err = await InferenceEngine.create({ model: tiny, providers: ["cuda"] }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).hint).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12");
  });
});

describe("InputError crossing the worker boundary", () => {
  it("keeps input, message and hint without duplication", async () => {
    const err = (await InferenceEngine.create({ model: tiny, providers: ["cuda"] }).catch(
      (x: unknown) => x,
    )) as InputError;
    expect(err.input).toBe("providers [cuda]");
    expect(err.message.match(/hint:/g)).toHaveLength(1);
    expect(err.message).toContain("cuda: libonnxruntime_providers_cuda.so is not installed");
  });
});
