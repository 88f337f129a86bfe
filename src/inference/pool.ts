import type { Frame } from "../frames/frame.js";
import { InputError, problem, type Problem } from "../frames/problem.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { ResolvedModel } from "./model.js";
import { EngineClosedError, InferenceError, WorkerCrashedError } from "./errors.js";
import { startWorker, type WorkerHandle, type WorkerReply } from "./pool-worker.js";
import type { AttemptRecord, InferRequest, TestCrash } from "./protocol.js";
import {
  expandProviders,
  type ProviderName,
  type ProviderOptions,
  type ProvidersConfig,
} from "./providers.js";
import type { SegmentationResult } from "./result.js";

export { EngineClosedError, InferenceError, WorkerCrashedError } from "./errors.js";

/**
 * InferenceEngine: a pool of worker threads, each owning one ORT session.
 *
 * Frame pixels are *copied* into a preallocated SharedArrayBuffer slot per in-flight frame (not
 * transferred): the frame stays valid for the rest of the graph (overlay, recorder, tracker), and
 * frames from sharp/ffmpeg are often views into pooled Node Buffers that cannot be transferred.
 * The copy is one memcpy (≈1 ms for 2048×1024 rgb8); slots grow once and are then reused.
 * Results come back with their typed arrays transferred and are settled in submission order.
 */

export interface EngineOptions {
  readonly model: ResolvedModel;
  readonly providers?: ProvidersConfig;
  readonly providerOptions?: ProviderOptions;
  /** Worker threads, one session each. Default 1. */
  readonly workers?: number;
  /** ORT intra-op threads per session. */
  readonly intraOpThreads?: number;
  /** Frames handed to one worker at a time (1 running + queued in the worker). Default 2. */
  readonly maxInFlightPerWorker?: number;
  /**
   * Added to the nice value of each inference thread (the worker and the ORT intra-op threads
   * it creates), Linux only, best effort. Default 5: the main thread — sockets, ROS callbacks, timers — wins
   * the CPU whenever it wakes, so inference does not show up as event-loop lag. With the
   * kernel's autogroup scheduling (the default on desktop and Ubuntu kernels) nice only weighs
   * threads within this process, so inference keeps its share against other processes; without
   * it, nice 5 also yields to other processes' nice-0 threads. 0 leaves the priority alone.
   */
  readonly workerNice?: number;
  /**
   * Each worker runs its session on a thread of its own and preprocesses / decodes the frames
   * before and after the running one meanwhile (run-thread.ts), so the session runs back to
   * back. Pays off where those threads have a core to themselves — a GPU provider, or CPU
   * sessions that leave a core free; where inference already fills every core it only adds
   * the copies (one input tensor, the outputs) and the contention (providers.ts
   * `cpuLeavesCoreFree` has the figures). `auto` (default): on when the provider will be a GPU
   * (providers.ts `overlapByDefault`); `runPipeline` also turns it on when the CPU sessions leave
   * a core free. Unverified on a GPU here.
   */
  readonly overlap?: boolean | "auto";
  readonly log?: Logger;
  /** Per-frame faults (inference-failed, worker-crashed). */
  readonly onProblem?: (p: Problem) => void;
  /** Test only: honour `infer(frame, { testCrash })`. */
  readonly testHooks?: boolean;
}

interface Entry {
  readonly seq: number;
  readonly frame: Frame;
  readonly testCrash: TestCrash | undefined;
  readonly resolve: (r: SegmentationResult) => void;
  readonly reject: (e: Error) => void;
  outcome?: { ok: true; result: SegmentationResult } | { ok: false; error: Error };
}

export interface EngineStats {
  completed: number;
  failed: number;
  crashes: number;
  restarts: number;
}

const MAX_RESTART_FAILURES = 3;

export class InferenceEngine implements AsyncDisposable {
  readonly stats: EngineStats = { completed: 0, failed: 0, crashes: 0, restarts: 0 };
  private readonly log: Logger;
  private readonly handles: (WorkerHandle | undefined)[] = [];
  private readonly entries = new Map<number, Entry>();
  private readonly queue: number[] = [];
  private nextSeq = 0;
  private nextToSettle = 0;
  private disposed = false;
  private broken: Error | undefined;
  private provider: ProviderName | undefined;
  private attemptsLog: readonly AttemptRecord[] = [];

  private constructor(private readonly opts: EngineOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** Starts the workers (provider selection and warm-up happen in the first one). */
  static async create(opts: EngineOptions): Promise<InferenceEngine> {
    const e = new InferenceEngine(opts);
    const n = opts.workers ?? 1;
    if (!Number.isInteger(n) || n < 1)
      throw new InputError("workers", `must be a positive integer, got ${n}`);
    try {
      const first = await e.spawn(0, expandProviders(opts.providers ?? "auto"));
      e.handles[0] = first.handle;
      e.provider = first.provider;
      e.attemptsLog = first.attempts;
      const rest = await Promise.all(
        Array.from({ length: n - 1 }, (_, i) => e.spawn(i + 1, [first.provider])),
      );
      for (const r of rest) e.handles[r.handle.index] = r.handle;
    } catch (err) {
      await e.dispose();
      throw err;
    }
    return e;
  }

  /** The execution provider the sessions run on. */
  get selectedProvider(): ProviderName {
    return this.provider ?? "cpu";
  }
  /** Providers tried at start-up, with the reason each unavailable one was skipped. */
  get providerAttempts(): readonly AttemptRecord[] {
    return this.attemptsLog;
  }
  /** Frames accepted and not yet settled. */
  get pending(): number {
    return this.entries.size;
  }

  /** Runs one frame; resolves in submission order. Rejects with InferenceError / WorkerCrashedError. */
  infer(frame: Frame, test?: { testCrash?: TestCrash }): Promise<SegmentationResult> {
    if (this.disposed) return Promise.reject(new EngineClosedError());
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<SegmentationResult>((resolve, reject) => {
      const seq = this.nextSeq++;
      this.entries.set(seq, { seq, frame, testCrash: test?.testCrash, resolve, reject });
      this.queue.push(seq);
      this.pump();
    });
  }

  private spawn(index: number, providers: readonly ProviderName[]): ReturnType<typeof startWorker> {
    return startWorker(this.opts, index, providers, this.log, {
      onReply: (h, msg) => this.onWorkerMessage(h, msg),
      onExit: (h, reason) => {
        if (!this.disposed) this.onCrash(h, reason);
      },
    });
  }

  private onWorkerMessage(h: WorkerHandle, msg: WorkerReply): void {
    const slot = h.inflight.get(msg.seq);
    if (slot !== undefined) {
      h.inflight.delete(msg.seq);
      h.free.push(slot);
    }
    const e = this.entries.get(msg.seq);
    if (e !== undefined) {
      if (msg.type === "result") {
        this.stats.completed++;
        e.outcome = { ok: true, result: Object.freeze(msg.result) };
      } else {
        const p = problem("inference-failed", this.opts.model.name, msg.error.message, {
          sourceId: e.frame.sourceId,
          frameId: e.frame.id,
          stampNs: e.frame.stampNs,
        });
        this.fail(e, new InferenceError(p));
      }
    }
    this.flush();
    this.pump();
  }

  private fail(e: Entry, err: InferenceError): void {
    this.stats.failed++;
    e.outcome = { ok: false, error: err };
    this.log.warn({ code: err.problem.code, frameId: e.frame.id }, err.message);
    this.opts.onProblem?.(err.problem);
  }

  private onCrash(h: WorkerHandle, reason: string): void {
    this.stats.crashes++;
    if (this.handles[h.index] === h) this.handles[h.index] = undefined;
    const held = [...h.inflight.keys()];
    h.inflight.clear();
    for (const seq of held) {
      const e = this.entries.get(seq);
      if (e === undefined) continue;
      const p = problem(
        "worker-crashed",
        `inference worker ${h.index}`,
        `${reason}; frame ${e.frame.id} failed`,
        {
          sourceId: e.frame.sourceId,
          frameId: e.frame.id,
          stampNs: e.frame.stampNs,
        },
      );
      this.fail(e, new WorkerCrashedError(p));
    }
    if (held.length === 0) {
      this.opts.onProblem?.(problem("worker-crashed", `inference worker ${h.index}`, reason));
    }
    this.flush();
    void this.restart(h.index, 0);
  }

  private async restart(index: number, failures: number): Promise<void> {
    if (this.disposed) return;
    try {
      const r = await this.spawn(index, [this.selectedProvider]);
      if (this.disposed) {
        await r.handle.worker.terminate();
        return;
      }
      this.stats.restarts++;
      this.handles[index] = r.handle;
      this.log.info({ worker: index }, `inference worker ${index} restarted`);
      this.pump();
    } catch (err) {
      if (failures + 1 < MAX_RESTART_FAILURES) {
        await new Promise((r) => setTimeout(r, 200 * (failures + 1)));
        return this.restart(index, failures + 1);
      }
      if (this.handles.every((x) => x === undefined)) {
        this.broken = new Error(`inference workers cannot be restarted: ${(err as Error).message}`);
        for (const seq of this.queue.splice(0)) {
          const e = this.entries.get(seq);
          if (e) e.outcome = { ok: false, error: this.broken };
        }
        this.flush();
      }
    }
  }

  /** Hands queued frames to workers with a free slot (least loaded first). */
  private pump(): void {
    while (this.queue.length > 0) {
      let best: WorkerHandle | undefined;
      for (const h of this.handles) {
        if (h === undefined || h.exited || h.free.length === 0) continue;
        if (best === undefined || h.inflight.size < best.inflight.size) best = h;
      }
      if (best === undefined) return;
      const seq = this.queue.shift()!;
      const e = this.entries.get(seq);
      if (e === undefined) continue;
      const slot = best.free.pop()!;
      const data = e.frame.data;
      let sab = best.slots[slot]!;
      if (sab.byteLength < data.byteLength) {
        sab = new SharedArrayBuffer(data.byteLength);
        best.slots[slot] = sab;
      }
      new Uint8Array(sab, 0, data.byteLength).set(data);
      const f = e.frame;
      const req: InferRequest = {
        type: "infer",
        seq,
        slot: sab,
        length: data.byteLength,
        frame: {
          id: f.id,
          stampNs: f.stampNs,
          sourceId: f.sourceId,
          width: f.width,
          height: f.height,
          encoding: f.encoding,
        },
        ...(e.testCrash !== undefined ? { testCrash: e.testCrash } : {}),
      };
      best.inflight.set(seq, slot);
      best.worker.postMessage(req);
    }
  }

  /** Settles finished entries in submission order. */
  private flush(): void {
    for (;;) {
      const e = this.entries.get(this.nextToSettle);
      if (e === undefined || e.outcome === undefined) {
        if (e === undefined && this.nextToSettle < this.nextSeq) {
          this.nextToSettle++;
          continue;
        }
        return;
      }
      this.entries.delete(e.seq);
      this.nextToSettle++;
      if (e.outcome.ok) e.resolve(e.outcome.result);
      else e.reject(e.outcome.error);
    }
  }

  /** Rejects queued frames, waits briefly for in-flight ones, then terminates every worker. */
  async dispose(drainMs = 2000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const seq of this.queue.splice(0)) {
      const e = this.entries.get(seq);
      if (e) e.outcome = { ok: false, error: new EngineClosedError() };
    }
    this.flush();
    const deadline = Date.now() + drainMs;
    while (
      this.handles.some((h) => h !== undefined && !h.exited && h.inflight.size > 0) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const e of this.entries.values())
      if (e.outcome === undefined) e.outcome = { ok: false, error: new EngineClosedError() };
    this.flush();
    // Ask each worker to release its session and exit; terminate any that do not within 1 s.
    await Promise.all(
      this.handles.map(async (h) => {
        if (h === undefined || h.exited) return;
        const exited = new Promise<void>((r) => h.worker.once("exit", () => r()));
        h.worker.postMessage({ type: "close" });
        const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 1000).unref());
        if ((await Promise.race([exited, timer])) === "timeout") await h.worker.terminate();
      }),
    );
    this.handles.fill(undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Live worker threads (for tests and diagnostics). */
  get workerThreadIds(): number[] {
    return this.handles
      .filter((h): h is WorkerHandle => h !== undefined && !h.exited)
      .map((h) => h.worker.threadId);
  }
}
