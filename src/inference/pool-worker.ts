/**
 * One inference worker of the pool (pool.ts): starts the thread with its WorkerInit, owns its
 * SharedArrayBuffer input slots, and settles the start-up handshake — `ready` (provider chosen,
 * session warmed up, logged with the providers skipped and why) or `init-failed` / an early exit
 * (rejected with the worker's error). After start-up every reply goes to `onReply` and an exit to
 * `onExit`; the pool decides what they mean.
 */
import { Worker } from "node:worker_threads";
import type { Logger } from "../util/logger.js";
import { sizeWorkerHeaps } from "../util/worker-heap.js";
import { workerScript } from "../util/worker-script.js";
import { errorFromInfo } from "./errors.js";
import type { ResolvedModel } from "./model.js";
import { DEFAULT_WORKER_NICE, type AttemptRecord, type FromWorker, type WorkerInit } from "./protocol.js";
import type { ProviderName, ProviderOptions } from "./providers.js";

/** What a worker is started with (the pool's EngineOptions documents each key). */
export interface WorkerLaunch {
  readonly model: ResolvedModel;
  readonly providerOptions?: ProviderOptions;
  readonly intraOpThreads?: number;
  readonly maxInFlightPerWorker?: number;
  readonly workerNice?: number;
  readonly overlap?: boolean | "auto";
  readonly testHooks?: boolean;
}

/** A started worker and its input slots. */
export interface WorkerHandle {
  readonly index: number;
  readonly worker: Worker;
  /** Input slots, grown to the largest frame handed over and then reused. */
  readonly slots: SharedArrayBuffer[];
  /** Indices of the slots not holding a frame. */
  readonly free: number[];
  /** seq → slot index of the frames handed over and not yet answered. */
  readonly inflight: Map<number, number>;
  exited: boolean;
}

/** A worker's replies after start-up: results and per-frame failures. */
export type WorkerReply = Exclude<FromWorker, { type: "ready" | "init-failed" }>;

export interface WorkerEvents {
  onReply(h: WorkerHandle, msg: WorkerReply): void;
  /** The worker exited after start-up; `reason` is its last error or its exit code. */
  onExit(h: WorkerHandle, reason: string): void;
}

/**
 * Starts worker `index`, trying `providers` in order; resolves once its session is ready, with
 * the provider it runs on and the attempts that led there.
 */
export function startWorker(
  launch: WorkerLaunch,
  index: number,
  providers: readonly ProviderName[],
  log: Logger,
  events: WorkerEvents,
): Promise<{ handle: WorkerHandle; provider: ProviderName; attempts: readonly AttemptRecord[] }> {
  const init: WorkerInit = {
    model: launch.model,
    providers,
    ...(launch.providerOptions !== undefined ? { providerOptions: launch.providerOptions } : {}),
    ...(launch.intraOpThreads !== undefined ? { intraOpThreads: launch.intraOpThreads } : {}),
    nice: launch.workerNice ?? DEFAULT_WORKER_NICE,
    workerIndex: index,
    overlap: launch.overlap ?? "auto",
    testHooks: launch.testHooks === true,
  };
  // Before the worker's isolate exists (see util/worker-heap.ts: a mark-compact per frame without).
  sizeWorkerHeaps();
  const { url, options } = workerScript("worker", import.meta.url);
  const worker = new Worker(url, { ...options, workerData: init, name: `segstream-inference-${index}` });
  const slotCount = Math.max(1, launch.maxInFlightPerWorker ?? 2);
  const handle: WorkerHandle = {
    index,
    worker,
    slots: Array.from({ length: slotCount }, () => new SharedArrayBuffer(0)),
    free: Array.from({ length: slotCount }, (_, i) => i),
    inflight: new Map(),
    exited: false,
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    let lastError: Error | undefined;
    worker.on("message", (msg: FromWorker) => {
      if (msg.type === "ready") {
        ready = true;
        for (const w of msg.warnings) log.warn({ worker: index }, w);
        if (msg.overlap && msg.provider === "cpu" && (launch.overlap ?? "auto") === "auto")
          log.warn(
            { worker: index },
            "overlap on for a GPU provider that fell back to the CPU: with inference on every core it costs " +
              "throughput (set overlap: false, or drop the GPU providers from the list)",
          );
        for (const a of msg.attempts) {
          if (!a.ok)
            log.warn(
              { worker: index, provider: a.provider, reason: a.reason },
              `execution provider ${a.provider} unavailable: ${a.reason}`,
            );
        }
        log.info(
          {
            worker: index,
            provider: msg.provider,
            attempts: msg.attempts,
            warmupMs: Math.round(msg.warmupMs * 10) / 10,
            overlap: msg.overlap,
          },
          `inference worker ${index} ready on ${msg.provider}${msg.overlap ? " (session on a run thread of its own)" : ""}`,
        );
        resolve({ handle, provider: msg.provider, attempts: msg.attempts });
      } else if (msg.type === "init-failed") {
        lastError = errorFromInfo(msg.error);
        reject(lastError);
        void worker.terminate();
      } else {
        events.onReply(handle, msg);
      }
    });
    worker.on("error", (err) => {
      lastError = err;
      if (!ready) reject(new Error(`inference worker ${index} failed to start: ${err.message}`));
    });
    worker.on("exit", (code) => {
      handle.exited = true;
      if (!ready) {
        reject(lastError ?? new Error(`inference worker ${index} exited with code ${code} during start-up`));
        return;
      }
      events.onExit(handle, lastError?.message ?? `exited with code ${code}`);
    });
  });
}
