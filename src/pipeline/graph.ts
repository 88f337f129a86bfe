import {
  Observable,
  Subject,
  concatMap,
  defer,
  filter,
  from,
  lastValueFrom,
  map,
  merge,
  mergeMap,
  of,
  takeUntil,
  takeWhile,
  tap,
} from "rxjs";
import type { Frame } from "../frames/frame.js";
import { errorMessage, isProblem, problem, type Problem } from "../frames/problem.js";
import type { SegmentationResult } from "../inference/result.js";
import type { Output, Sink } from "../sinks/sink.js";
import type { FrameSource, SourceEvent } from "../sources/source.js";
import { BoundedSinkQueue } from "./bounded-sink.js";
import type { RunMetrics } from "./metrics.js";
import { inSequence, iteratorPull, latestWins, pullEach } from "./policies.js";

export type Policy = "lossless" | "latest-wins";

/** The per-frame work of the graph, injected so the graph itself stays small and testable. */
export interface Stages {
  /** Inference (possibly several models merged). Runs up to `maxInFlight` frames at once per source. */
  infer(frame: Frame): Promise<SegmentationResult>;
  /** Tracking; called strictly in frame order per source. */
  track(result: SegmentationResult, frame: Frame): SegmentationResult;
}

export interface GraphOptions {
  readonly sources: readonly FrameSource[];
  readonly policyFor: (source: FrameSource) => Policy;
  readonly stages: Stages;
  /**
   * Frames in the graph per source (inference + lossless sinks) for live (latest-wins) sources.
   * One per worker keeps frame age lowest: a frame that would queue in a worker behind the
   * running one waits in the policy's slot instead, where newer frames replace it.
   */
  readonly maxInFlight: number;
  /**
   * The same bound for lossless (replay) sources, where latency does not matter but throughput
   * does: 2 × workers + 1 keeps a frame queued in every worker, so no worker waits for the main
   * thread (decode, settlement, tracking) between frames. Default: `maxInFlight`.
   */
  readonly maxInFlightLossless?: number;
  /** Stop after this many frames across all sources (0 = no limit). */
  readonly maxFrames: number;
  /** Sinks awaited before a frame's slot is released (prediction files, recordings). */
  readonly losslessSinks: readonly Sink[];
  /** Sinks fed through their own bounded queue (dashboard, ROS). */
  readonly lossySinks: readonly Sink[];
  readonly sinkQueueBound: number;
  readonly metrics: RunMetrics;
  /** Emits once to stop: sources stop, in-flight frames drain, sinks are flushed. */
  readonly stop$: Observable<unknown>;
  readonly onProblem: (p: Problem) => void;
  readonly onOutput?: (out: Output) => void;
  /** Sources whose stamps are wall-clock time (for frame age). */
  readonly wallClockStamps?: (source: FrameSource) => boolean;
}

interface InFlight {
  readonly seq: number;
  readonly frame: Frame;
  readonly ingestMs: number;
  readonly result?: SegmentationResult;
  readonly error?: unknown;
}

function sourceGraph(src: FrameSource, o: GraphOptions, taken: () => boolean): Observable<Output> {
  return defer(() => {
    const policy = o.policyFor(src);
    const inFlight = policy === "lossless" ? (o.maxInFlightLossless ?? o.maxInFlight) : o.maxInFlight;
    const released = new Subject<number>();
    const credits$ = merge(of(inFlight), released);
    const it = src.events()[Symbol.asyncIterator]();
    const report = (p: Problem): void => {
      o.metrics.problem(p);
      o.onProblem(p);
    };

    let frames$: Observable<Frame>;
    if (policy === "lossless") {
      frames$ = pullEach(iteratorPull(it), credits$).pipe(
        takeUntil(o.stop$),
        filter((e: SourceEvent): e is Frame => {
          if (!isProblem(e)) return true;
          report(e);
          released.next(1); // the problem used a read, not a slot
          return false;
        }),
      );
    } else {
      frames$ = from({ [Symbol.asyncIterator]: () => it }).pipe(
        takeUntil(o.stop$),
        filter((e: SourceEvent): e is Frame => {
          if (!isProblem(e)) return true;
          report(e); // problems bypass the one-frame slot: they are never dropped
          return false;
        }),
        latestWins(credits$, () => o.metrics.drop(src.id)),
      );
    }

    let seq = 0;
    const wallClock = o.wallClockStamps?.(src) ?? false;
    return frames$.pipe(
      takeWhile(taken),
      map((frame): InFlight => {
        o.metrics.frameIn();
        return { seq: seq++, frame, ingestMs: performance.now() };
      }),
      mergeMap(
        (item) =>
          o.stages.infer(item.frame).then(
            (result): InFlight => ({ ...item, result }),
            (error: unknown): InFlight => ({ ...item, error }),
          ),
        inFlight,
      ),
      inSequence(),
      concatMap(async (item): Promise<Output | undefined> => {
        try {
          if (item.result === undefined) {
            o.metrics.failedFrames++;
            report(
              problem("inference-failed", src.id, errorMessage(item.error), {
                sourceId: src.id,
                frameId: item.frame.id,
                stampNs: item.frame.stampNs,
              }),
            );
            return undefined;
          }
          const t0 = performance.now();
          let result: SegmentationResult;
          try {
            result = o.stages.track(item.result, item.frame);
          } catch (e) {
            // The frame still goes out, untracked (no track ids), and says why.
            report(
              problem("track-failed", src.id, errorMessage(e), {
                sourceId: src.id,
                frameId: item.frame.id,
                stampNs: item.frame.stampNs,
              }),
            );
            result = item.result;
          }
          const trackMs = performance.now() - t0;
          const out: Output = { frame: item.frame, result };
          for (const sink of o.losslessSinks) {
            try {
              await sink.write(out);
              o.metrics.sink(sink.name, "written");
            } catch (e) {
              o.metrics.sink(sink.name, "failed");
              report(
                problem("sink-failed", sink.name, errorMessage(e), {
                  sourceId: src.id,
                  frameId: item.frame.id,
                }),
              );
            }
          }
          o.metrics.frameOut(
            item.ingestMs,
            { ...result.timings, track: trackMs },
            wallClock ? item.frame.stampNs : undefined,
          );
          return out;
        } finally {
          released.next(1);
        }
      }),
      filter((x): x is Output => x !== undefined),
    );
  });
}

/**
 * Runs the graph to completion (all sources ended, `maxFrames` reached, or `stop$` fired):
 * source → policy → inference (parallel, re-ordered) → tracker → lossless sinks → share → lossy sinks.
 * Resolves when every in-flight frame has drained and every lossy queue has flushed.
 */
export async function runGraph(o: GraphOptions): Promise<void> {
  let takenCount = 0;
  const taken = (): boolean => o.maxFrames === 0 || takenCount++ < o.maxFrames;
  const queues = o.lossySinks.map(
    (s) =>
      new BoundedSinkQueue(s, o.sinkQueueBound, (what, e) => {
        o.metrics.sink(s.name, what);
        if (what === "failed") {
          const p = problem("sink-failed", s.name, errorMessage(e));
          o.metrics.problem(p);
          o.onProblem(p);
        }
      }),
  );
  const outputs$ = merge(...o.sources.map((s) => sourceGraph(s, o, taken))).pipe(
    tap((out) => {
      for (const q of queues) q.push(out);
      o.onOutput?.(out);
    }),
  );
  await lastValueFrom(outputs$, { defaultValue: undefined });
  await Promise.all(queues.map((q) => q.flush()));
  o.metrics.finish();
}
