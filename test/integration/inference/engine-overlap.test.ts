import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { patternFrame, selfThreadId, threadNices } from "./helpers.js";
import type { Problem } from "../../../src/frames/problem.js";
import { resolveModel } from "../../../src/inference/model.js";
import { InferenceEngine, WorkerCrashedError, type EngineOptions } from "../../../src/inference/pool.js";
import { cpuLeavesCoreFree, overlapByDefault } from "../../../src/inference/providers.js";
import type { SegmentationResult } from "../../../src/inference/result.js";
import { cityFrames } from "../../../src/synth/index.js";
import { defaultModelsDir } from "../../../src/inference/index.js";

/**
 * Overlap mode (run-thread.ts): the session on a run thread of its own, preprocessing and
 * decoding beside it. Its results must be the inline engine's, bit for bit, for the bundled
 * models, in order; its faults must end as the inline engine's do.
 */

const FIX = join(import.meta.dirname, "..", "..", "fixtures", "models");
const tiny = resolveModel("engine_seg_tiny", FIX);

let engines: InferenceEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
  engines = [];
});
async function engine(opts: Partial<EngineOptions> = {}): Promise<InferenceEngine> {
  const e = await InferenceEngine.create({ model: tiny, providers: ["cpu"], intraOpThreads: 1, ...opts });
  engines.push(e);
  return e;
}

const frame = patternFrame;

/** Everything a result carries but its timings. */
function content(r: SegmentationResult): unknown {
  const { timings: _t, ...rest } = r;
  return rest;
}

describe("InferenceEngine with overlap (session on a run thread, real ORT)", () => {
  it.each(["deeplab-synth", "yolact-synth"])(
    "%s: the same results as the inline engine, in submission order",
    async (name) => {
      const model = resolveModel(name, defaultModelsDir());
      const frames = cityFrames(384, 192, 4);
      const inline = await engine({ model, overlap: false });
      const overlapped = await engine({ model, overlap: true });
      const a = await Promise.all(frames.map((f) => inline.infer(f)));
      const order: number[] = [];
      const b = await Promise.all(
        frames.map((f) =>
          overlapped.infer(f).then((r) => {
            order.push(r.frameId);
            return r;
          }),
        ),
      );
      expect(order).toEqual([0, 1, 2, 3]);
      for (let i = 0; i < frames.length; i++) {
        expect(content(b[i]!)).toEqual(content(a[i]!));
        expect(b[i]!.timings.run).toBeGreaterThan(0);
        expect(b[i]!.timings.preprocess).toBeGreaterThan(0);
      }
      // The results hold something to compare: a semantic map with several classes, or instances.
      const r0 = b[0]!;
      if (name === "deeplab-synth") expect(new Set(r0.semantic!.classIds).size).toBeGreaterThan(3);
      else expect(r0.instances!.count).toBeGreaterThan(0);
    },
  );

  it("the run thread dies → worker-crashed for its frames, restart, next frame works", async () => {
    const problems: Problem[] = [];
    const e = await engine({ overlap: true, testHooks: true, onProblem: (p) => problems.push(p) });
    await expect(e.infer(frame(0))).resolves.toMatchObject({ frameId: 0 });
    const crashed = e.infer(frame(1), { testCrash: "run-thread" });
    const err = await crashed.catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as WorkerCrashedError).problem).toMatchObject({ code: "worker-crashed", frameId: 1 });
    expect((err as WorkerCrashedError).message).toContain("run thread exited with code 9");
    await expect(e.infer(frame(2))).resolves.toMatchObject({ frameId: 2 });
    expect(e.stats.restarts).toBe(1);
    expect(problems.map((p) => p.code)).toEqual(["worker-crashed"]);
  });

  it.runIf(process.platform === "linux")(
    "runs the worker, its run thread and the ORT threads at nice +5; the calling thread unchanged",
    async () => {
      const self = selfThreadId();
      const before = threadNices();
      const e = await engine({ overlap: true, intraOpThreads: 2 });
      await e.infer(frame(0));
      const after = threadNices();
      const base = before.get(self)!;
      expect(after.get(self)).toBe(base);
      const lowered = [...after].filter(([tid, n]) => !before.has(tid) && n === Math.min(19, base + 5));
      expect(lowered.length).toBeGreaterThanOrEqual(3); // worker + run thread + ≥ 1 ORT pool thread
    },
  );
});

describe("overlapByDefault (overlap: auto)", () => {
  const backends = [
    { name: "cpu", bundled: true },
    { name: "cuda", bundled: false },
    { name: "tensorrt", bundled: false },
  ];
  it("on when the first installed provider is a GPU, off for the CPU", () => {
    const all = (): boolean => true;
    const none = (): boolean => false;
    const cudaOnly = (f: string): boolean => f.includes("cuda");
    expect(overlapByDefault(["tensorrt", "cuda", "cpu"], backends, all)).toBe(true);
    expect(overlapByDefault(["tensorrt", "cuda", "cpu"], backends, none)).toBe(false);
    expect(overlapByDefault(["tensorrt", "cuda", "cpu"], backends, cudaOnly)).toBe(true);
    expect(overlapByDefault(["cpu", "cuda"], backends, all)).toBe(false);
    expect(overlapByDefault(["cuda"], backends, none)).toBe(false);
  });
  it("on the CPU only when the sessions leave a core free (runPipeline's rule)", () => {
    expect(cpuLeavesCoreFree(1, 1, 1, 2)).toBe(true);
    expect(cpuLeavesCoreFree(1, 1, 2, 2)).toBe(false);
    expect(cpuLeavesCoreFree(2, 1, 1, 2)).toBe(false); // DeepLab + YOLACT, one thread each
    expect(cpuLeavesCoreFree(1, 2, 1, 2)).toBe(false);
    expect(cpuLeavesCoreFree(2, 2, 1, 8)).toBe(true);
    expect(cpuLeavesCoreFree(1, 1, 0, 64)).toBe(false); // 0: ORT's default, every core
  });
  it("auto in the engine on this machine (CPU only): the inline engine", async () => {
    const e = await engine();
    expect(e.selectedProvider).toBe("cpu");
    await expect(e.infer(frame(0))).resolves.toMatchObject({ frameId: 0 });
  });
});
