import { availableParallelism } from "node:os";
import { Subject, type Observable } from "rxjs";
import type { Config } from "../config/schema.js";
import type { Frame } from "../frames/frame.js";
import { InputError, formatProblem, type Problem } from "../frames/problem.js";
import { InferenceEngine, resolveModel, type ResolvedModel } from "../inference/index.js";
import { cpuLeavesCoreFree } from "../inference/providers.js";
import { makeResult, type SegmentationResult } from "../inference/result.js";
import { PredictionWriter } from "../sinks/predictions.js";
import type { Output, Sink } from "../sinks/sink.js";
import { openSource } from "../sources/open.js";
import { MultiSourceTracker } from "../tracking/index.js";
import { paced } from "../sources/paced.js";
import type { FrameSource } from "../sources/source.js";
import type { Logger } from "../util/logger.js";
import { runGraph, type Policy, type Stages } from "./graph.js";
import { mergeResults } from "./merge.js";
import { RunMetrics, type Summary } from "./metrics.js";

export interface PipelineOptions {
  readonly config: Config;
  readonly modelsDir: string;
  readonly log: Logger;
  /** Emits once to stop the run gracefully (SIGINT/SIGTERM). */
  readonly stop$?: Observable<unknown>;
  readonly onOutput?: (out: Output) => void;
  readonly onProblem?: (p: Problem) => void;
  /** Called once the sources are open, with the total frame count when known. */
  readonly onStart?: (info: { frameCount: number | undefined }) => void;
}

/** Everything a run holds open, so start-up failures and shutdown release the same things. */
class Resources {
  readonly sources: FrameSource[] = [];
  readonly engines: { model: ResolvedModel; engine: InferenceEngine }[] = [];
  readonly sinks: Sink[] = [];

  async close(log: Logger): Promise<void> {
    const results = await Promise.allSettled([
      ...this.sources.map((s) => s.close()),
      ...this.engines.map((e) => e.engine.dispose()),
      ...this.sinks.map((s) => s.close()),
    ]);
    for (const r of results)
      if (r.status === "rejected") log.error({ err: r.reason as unknown }, "error while closing");
  }
}

function policyFor(config: Config, source: FrameSource): Policy {
  if (config.policy !== "auto") return config.policy;
  return source.kind === "live" ? "latest-wins" : "lossless";
}

/**
 * Asks an instance adapter (YOLACT, YOLO-seg) for its ranked detections below the display
 * threshold, down to `minScore` (`SegmentationResult.detections`):
 * prediction files carry every ranked one for instance AP (`_pred_instances.json`
 * `detections`, minScore 0), and the tracker takes those down to its low-score threshold —
 * BYTE's second stage continues tracks with the detections a display threshold would drop.
 */
export function withDetections(model: ResolvedModel, minScore: number): ResolvedModel {
  const m = model.manifest;
  switch (m.adapter) {
    case "deeplab":
      return model;
    case "yolact": {
      const yolact = {
        confActivation: "auto" as const,
        protoLayout: "auto" as const,
        ...m.yolact,
        detections: true,
        detectionsMinScore: minScore,
      };
      return { ...model, manifest: { ...m, yolact } };
    }
    case "yolo-seg":
      return {
        ...model,
        manifest: { ...m, yoloSeg: { ...m.yoloSeg, detections: true, detectionsMinScore: minScore } },
      };
  }
}

function checkSinks(config: Config): void {
  const { record, dashboard, ros } = config.sinks;
  const missing: [string, unknown][] = [
    ["sinks.record (--record)", record],
    ["sinks.dashboard (--dashboard)", dashboard],
    ["sinks.ros (--ros)", ros],
  ];
  for (const [name, value] of missing) {
    if (value !== null) throw new InputError(name, "this sink is not available in this build yet");
  }
}

/**
 * Builds and runs the pipeline from a validated config: opens sources and models (start-up
 * faults are InputErrors → exit 2), runs the graph, then closes everything (recordings are
 * finalized) and returns the summary.
 */
export async function runPipeline(o: PipelineOptions): Promise<Summary> {
  const { config, log } = o;
  if (config.sources.length === 0)
    throw new InputError("sources", "no source given", "pass --source SPEC, e.g. images:recordings/sample");
  if (config.models.length === 0)
    throw new InputError("models", "no model given", "pass --model NAME (see `segstream models`)");
  checkSinks(config);
  const res = new Resources();
  const metrics = new RunMetrics();
  const pacedSources = new Set<FrameSource>();
  try {
    for (const [index, cfg] of config.sources.entries()) {
      const { source } = await openSource(cfg, { index });
      if (config.realtime && source.kind === "replay") {
        const p = paced(source);
        pacedSources.add(p);
        res.sources.push(p);
      } else res.sources.push(source);
    }
    const ids = new Set<string>();
    for (const s of res.sources) {
      if (ids.has(s.id))
        throw new InputError(`source id "${s.id}"`, "two sources share one id; give each an `id`");
      ids.add(s.id);
    }
    const models = config.models.map((m) => {
      const model = resolveModel(m, o.modelsDir);
      if (config.sinks.predDir !== null) return withDetections(model, 0);
      if (config.tracking.enabled) return withDetections(model, config.tracking.lowScoreThreshold);
      return model;
    });
    // Before the models load (seconds): an unwritable prediction directory is a start-up error.
    const predictions =
      config.sinks.predDir !== null ? await PredictionWriter.open(config.sinks.predDir) : undefined;
    // overlap auto: off when no worker ever holds two frames (live sources hold one per worker,
    // so there is no next frame to preprocess during a run — only the copies would remain); on
    // when the CPU sessions leave a core free; else each worker checks for a GPU provider.
    const cores = availableParallelism();
    const threads = config.providerOptions.cpu.intraOpThreads;
    const lossless = res.sources.some((s) => policyFor(config, s) === "lossless");
    const overlap =
      config.overlap !== "auto"
        ? config.overlap
        : !lossless && res.sources.length === 1
          ? false
          : cpuLeavesCoreFree(models.length, config.workers, threads, cores)
            ? true
            : "auto";
    if (overlap === true && config.overlap === "auto")
      log.info(
        { sessions: models.length * config.workers, intraOpThreads: threads, cores },
        "overlap on: the inference sessions leave a core free, so each worker preprocesses and decodes beside its runs",
      );
    for (const model of models) {
      const engine = await InferenceEngine.create({
        model,
        providers: config.providers,
        providerOptions: config.providerOptions,
        workers: config.workers,
        workerNice: config.workerNice,
        overlap,
        intraOpThreads: config.providerOptions.cpu.intraOpThreads,
        log,
      });
      log.info({ model: model.name, provider: engine.selectedProvider }, "model loaded");
      res.engines.push({ model, engine });
    }
    if (predictions !== undefined) res.sinks.push(predictions);

    const writesPredictions = config.sinks.predDir !== null;
    const fusion = {
      ...config.fusion,
      labelIdsByModel: new Map(
        models.map((m) => [m.name, m.manifest.labels.map((l) => l.labelId).filter((id) => id >= 0)]),
      ),
    };
    const { enabled, ...trackingOptions } = config.tracking;
    const tracker = enabled ? new MultiSourceTracker(trackingOptions) : undefined;
    const stages: Stages = {
      infer: async (frame: Frame): Promise<SegmentationResult> => {
        if (res.engines.length === 1) return res.engines[0]!.engine.infer(frame);
        const parts = await Promise.all(
          res.engines.map(async ({ model, engine }) => ({
            model: model.name,
            result: await engine.infer(frame),
          })),
        );
        return mergeResults(parts, fusion);
      },
      track: (result, frame) => {
        if (tracker === undefined) return result;
        const sequence = typeof frame.meta.sequence === "string" ? frame.meta.sequence : undefined;
        const tracked = tracker.update(
          result,
          sequence !== undefined ? { sequence, image: frame } : { image: frame },
        );
        // The tracker keeps only tracked instances (birth and score gates, disjoint masks);
        // instance AP scores the model's own detections, so the prediction files get those.
        // Without prediction files the low-score detections the tracker read go no further.
        if (writesPredictions) {
          const detections = result.detections ?? result.instances;
          return tracked.detections === detections ? tracked : makeResult({ ...tracked, detections });
        }
        if (tracked.detections === undefined) return tracked;
        const { detections: _read, ...rest } = tracked;
        return makeResult(rest);
      },
    };

    const known = res.sources.map((s) => s.frameCount);
    const total = known.every((n) => n !== undefined) ? known.reduce((a, b) => a + b, 0) : undefined;
    o.onStart?.({
      frameCount: total !== undefined && config.maxFrames > 0 ? Math.min(total, config.maxFrames) : total,
    });

    const stop$ = o.stop$ ?? new Subject<never>();
    await runGraph({
      sources: res.sources,
      policyFor: (s) => policyFor(config, s),
      stages,
      // Live (latest-wins): one frame per worker. The next frame waits in the policy's slot,
      // where newer frames replace it, not in a worker's queue behind the running one: frame
      // age p99 ≈ 1.8 instead of ≈ 3.4 inference times under overload (bench/overload.ts).
      maxInFlight: config.workers,
      maxInFlightLossless: 2 * config.workers + 1,
      maxFrames: config.maxFrames,
      losslessSinks: res.sinks.filter((s) => s.lossless),
      lossySinks: res.sinks.filter((s) => !s.lossless),
      sinkQueueBound: config.sinks.queueBound,
      metrics,
      stop$,
      onProblem: (p) => {
        log.warn({ code: p.code, input: p.input, frameId: p.frameId }, formatProblem(p));
        o.onProblem?.(p);
      },
      ...(o.onOutput ? { onOutput: o.onOutput } : {}),
      wallClockStamps: (s) => s.kind === "live" && !pacedSources.has(s),
    });
  } finally {
    await res.close(log);
  }
  return metrics.summary();
}
