import { Subject } from "rxjs";
import { describe, expect, it } from "vitest";
import { makeFrame, type Frame } from "../../../src/frames/frame.js";
import { problem, type Problem } from "../../../src/frames/problem.js";
import { makeResult, type SegmentationResult } from "../../../src/inference/result.js";
import { runGraph, type Policy } from "../../../src/pipeline/graph.js";
import { RunMetrics } from "../../../src/pipeline/metrics.js";
import type { Output, Sink } from "../../../src/sinks/sink.js";
import type { FrameSource, SourceEvent } from "../../../src/sources/source.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function frame(id: number, sourceId = "s"): Frame {
  return makeFrame({
    id,
    stampNs: BigInt(id) * 1_000_000n,
    sourceId,
    width: 2,
    height: 1,
    encoding: "mono8",
    data: new Uint8Array([id & 255, 0]),
  });
}

function resultOf(f: Frame): SegmentationResult {
  return makeResult({
    frameId: f.id,
    sourceId: f.sourceId,
    stampNs: f.stampNs,
    width: f.width,
    height: f.height,
    semantic: { width: 2, height: 1, classIds: new Uint8Array([7, 7]) },
  });
}

/** A replay source that counts how many events were read. */
function countingReplay(
  n: number,
  events: (i: number) => SourceEvent = (i) => frame(i),
): FrameSource & { reads: number } {
  const s = {
    id: "s",
    kind: "replay" as const,
    frameCount: n,
    fps: undefined,
    reads: 0,
    async *events() {
      for (let i = 0; i < n; i++) {
        s.reads++;
        await Promise.resolve();
        yield events(i);
      }
    },
    close: () => Promise.resolve(),
  };
  return s;
}

/** A live source producing a frame every `periodMs`. */
function liveSource(n: number, periodMs: number): FrameSource & { produced: number } {
  const s = {
    id: "live",
    kind: "live" as const,
    frameCount: undefined,
    fps: 1000 / periodMs,
    produced: 0,
    async *events() {
      for (let i = 0; i < n; i++) {
        await sleep(periodMs);
        s.produced++;
        yield frame(i, "live");
      }
    },
    close: () => Promise.resolve(),
  };
  return s;
}

class CollectSink implements Sink {
  readonly outputs: Output[] = [];
  constructor(
    readonly name: string,
    readonly lossless: boolean,
    private readonly delayMs = 0,
  ) {}
  async write(out: Output): Promise<void> {
    if (this.delayMs) await sleep(this.delayMs);
    this.outputs.push(out);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function options(
  sources: FrameSource[],
  policy: Policy,
  infer: (f: Frame) => Promise<SegmentationResult>,
  extra: Partial<Parameters<typeof runGraph>[0]> = {},
) {
  const problems: Problem[] = [];
  const metrics = new RunMetrics();
  return {
    problems,
    metrics,
    opts: {
      sources,
      policyFor: () => policy,
      stages: { infer, track: (r: SegmentationResult) => r },
      maxInFlight: 2,
      maxFrames: 0,
      losslessSinks: [],
      lossySinks: [],
      sinkQueueBound: 2,
      metrics,
      stop$: new Subject<void>(),
      onProblem: (p: Problem) => problems.push(p),
      ...extra,
    },
  };
}

describe("runGraph, lossless", () => {
  it("processes every frame in order, reading only when there is room", async () => {
    const src = countingReplay(20);
    let maxAhead = 0;
    const sink = new CollectSink("files", true);
    const { opts, metrics } = options(
      [src],
      "lossless",
      async (f) => {
        maxAhead = Math.max(maxAhead, src.reads - sink.outputs.length);
        await sleep(3);
        return resultOf(f);
      },
      { losslessSinks: [sink] },
    );
    await runGraph(opts);
    expect(sink.outputs.map((o) => o.result.frameId)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Never more than maxInFlight (2) frames read ahead of what the sinks finished.
    expect(maxAhead).toBeLessThanOrEqual(2);
    const s = metrics.summary();
    expect(s.frames).toBe(20);
    expect(s.drops).toBe(0);
  });

  it("turns a source problem and a failed inference into problems and goes on", async () => {
    const src = countingReplay(6, (i) =>
      i === 2 ? problem("decode-failed", "f2.png", "bad bytes") : frame(i),
    );
    const sink = new CollectSink("files", true);
    const { opts, problems, metrics } = options(
      [src],
      "lossless",
      (f) => {
        if (f.id === 4) return Promise.reject(new Error("boom"));
        return Promise.resolve(resultOf(f));
      },
      { losslessSinks: [sink] },
    );
    await runGraph(opts);
    expect(sink.outputs.map((o) => o.result.frameId)).toEqual([0, 1, 3, 5]);
    expect(problems.map((p) => p.code)).toEqual(["decode-failed", "inference-failed"]);
    expect(metrics.summary().problemsByCode).toEqual({ "decode-failed": 1, "inference-failed": 1 });
  });

  it("turns a tracker that throws into a track-failed problem; the frame goes out untracked", async () => {
    const src = countingReplay(4);
    const sink = new CollectSink("files", true);
    const tracked = (r: SegmentationResult): SegmentationResult => ({
      ...r,
      sourceId: `${r.sourceId}-tracked`,
    });
    const { opts, problems, metrics } = options([src], "lossless", (f) => Promise.resolve(resultOf(f)), {
      losslessSinks: [sink],
    });
    await runGraph({
      ...opts,
      stages: {
        infer: (f) => Promise.resolve(resultOf(f)),
        track: (r) => {
          if (r.frameId === 1) throw new RangeError("mask sizes differ: 768x384 vs 640x320");
          return tracked(r);
        },
      },
    });
    expect(sink.outputs.map((o) => [o.result.frameId, o.result.sourceId])).toEqual([
      [0, "s-tracked"],
      [1, "s"],
      [2, "s-tracked"],
      [3, "s-tracked"],
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        code: "track-failed",
        input: "s",
        frameId: 1,
        reason: "mask sizes differ: 768x384 vs 640x320",
      }),
    ]);
    expect(metrics.summary().frames).toBe(4);
  });

  it("stops reading on stop$ and drains frames in flight", async () => {
    const src = countingReplay(1000);
    const stop$ = new Subject<void>();
    const sink = new CollectSink("files", true);
    const { opts } = options(
      [src],
      "lossless",
      async (f) => {
        if (f.id === 5) stop$.next();
        await sleep(2);
        return resultOf(f);
      },
      { losslessSinks: [sink], stop$ },
    );
    await runGraph(opts);
    expect(src.reads).toBeLessThan(10);
    // Every frame that was read and entered the graph came out.
    expect(sink.outputs.length).toBeGreaterThanOrEqual(6);
    expect(sink.outputs.map((o) => o.result.frameId)).toEqual(
      Array.from({ length: sink.outputs.length }, (_, i) => i),
    );
  });
});

describe("runGraph, in-flight bounds per policy", () => {
  /** Peak number of frames inside `infer` at once. */
  async function peakConcurrency(src: FrameSource, policy: Policy): Promise<number> {
    let now = 0;
    let peak = 0;
    const { opts } = options(
      [src],
      policy,
      async (f) => {
        peak = Math.max(peak, ++now);
        await sleep(3);
        now--;
        return resultOf(f);
      },
      { maxInFlight: 2, maxInFlightLossless: 5 },
    );
    await runGraph(opts);
    return peak;
  }

  it("lossless sources use maxInFlightLossless (a frame queued per worker); live ones keep maxInFlight", async () => {
    expect(await peakConcurrency(countingReplay(30), "lossless")).toBe(5);
    expect(await peakConcurrency(liveSource(30, 1), "latest-wins")).toBeLessThanOrEqual(2);
  });
});

describe("runGraph, latest-wins overload", () => {
  it("keeps at most one waiting frame and counts drops = produced − processed", async () => {
    const src = liveSource(60, 4); // 250 fps source
    let maxWaiting = 0;
    const { opts, metrics } = options(
      [src],
      "latest-wins",
      async (f) => {
        await sleep(12); // model ~3x slower than the source
        return resultOf(f);
      },
      { maxInFlight: 1 },
    );
    const probe = setInterval(() => {
      maxWaiting = Math.max(maxWaiting, src.produced - metrics.framesIn - metrics.dropCount);
    }, 1);
    await runGraph(opts);
    clearInterval(probe);
    const s = metrics.summary();
    expect(src.produced).toBe(60);
    expect(s.drops).toBeGreaterThan(0);
    expect(s.drops).toBe(src.produced - s.frames);
    expect(maxWaiting).toBeLessThanOrEqual(1);
  });

  it("gives a slow lossy sink its own bounded queue without slowing inference", async () => {
    const src = countingReplay(30);
    const slow = new CollectSink("dashboard", false, 20);
    const { opts, metrics } = options([src], "lossless", (f) => Promise.resolve(resultOf(f)), {
      lossySinks: [slow],
      sinkQueueBound: 2,
    });
    await runGraph(opts);
    const s = metrics.summary();
    expect(s.frames).toBe(30);
    const sinkStats = s.sinks["dashboard"]!;
    expect(sinkStats.dropped).toBeGreaterThan(0);
    expect(sinkStats.written + sinkStats.dropped).toBe(30);
    expect(slow.outputs.length).toBe(sinkStats.written);
  });
});
