import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority } from "../util/thread-priority.js";
import { adapterOptionsOf, labelMapOf } from "./adapter-options.js";
import { decode, type LabelMap } from "./adapters/index.js";
import { Preprocessor } from "./preprocess.js";
import {
  errorInfo,
  transferables,
  type FromWorker,
  type InferRequest,
  type RunThreadInit,
  type ToWorker,
  type WorkerInit,
} from "./protocol.js";
import { ThreadRunner } from "./run-thread.js";
import { InlineRunner, type Runner } from "./runner.js";
import { overlapHere } from "./session.js";

/**
 * Inference worker. Per frame: preprocess (into a reused tensor) → session.run → adapter decode,
 * then posts the SegmentationResult with its typed arrays transferred. Frames are preprocessed
 * and decoded strictly in arrival order. The session runs here (InlineRunner: one step after
 * the other) or, with `init.overlap`, on a run thread of its own (ThreadRunner), and then frame
 * N + 1 is preprocessed and frame N − 1 decoded while frame N runs.
 */

function post(port: NonNullable<typeof parentPort>, msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function main(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const m = init.model.manifest;
  // Before any session or run thread exists: threads inherit the nice value of the thread
  // that creates them (ORT's intra-op pool, the run thread and its pool).
  const niceWarning = lowerThreadPriority(init.nice);
  const pre = new Preprocessor(m.input);
  const runInit: RunThreadInit = {
    model: init.model,
    providers: init.providers,
    ...(init.providerOptions !== undefined ? { providerOptions: init.providerOptions } : {}),
    ...(init.intraOpThreads !== undefined ? { intraOpThreads: init.intraOpThreads } : {}),
    nice: 0, // inherited from this thread
    testHooks: init.testHooks,
  };
  let runner: Runner;
  try {
    const overlap = init.overlap === "auto" ? overlapHere(init.providers) : init.overlap;
    runner = overlap
      ? await ThreadRunner.open(runInit, pre.tensor.length)
      : await InlineRunner.open(runInit, pre.tensor);
  } catch (e) {
    post(port, { type: "init-failed", error: errorInfo(e) });
    return;
  }
  const labels: LabelMap = labelMapOf(m);
  const opts = adapterOptionsOf(m);
  const { ready } = runner;
  post(port, {
    type: "ready",
    provider: ready.provider,
    attempts: ready.attempts,
    warnings: niceWarning !== undefined ? [...ready.warnings, niceWarning] : ready.warnings,
    warmupMs: ready.warmupMs,
    overlap: runner.overlapped,
  });

  // Preprocessing in arrival order; decoding in arrival order behind it.
  let preChain: Promise<void> = Promise.resolve();
  let decodeChain: Promise<void> = Promise.resolve();
  const handle = async (req: InferRequest): Promise<void> => {
    // Inline, the previous frame's outputs may sit in memory this run overwrites (a
    // preallocated output): decode it first.
    if (!runner.overlapped) await decodeChain;
    await runner.free();
    if (init.testHooks && req.testCrash !== undefined) {
      if (req.testCrash === "exit") process.exit(7);
      if (req.testCrash === "run-thread") {
        if (runner instanceof ThreadRunner) runner.testExit();
        else
          post(port, {
            type: "failed",
            seq: req.seq,
            error: errorInfo(new Error("test hook: no run thread")),
          });
        return;
      }
      setImmediate(() => {
        throw new Error("test hook: worker crash requested");
      });
      return;
    }
    const f = req.frame;
    let g;
    let run;
    let preMs;
    try {
      const t0 = performance.now();
      g = pre.run({ ...f, data: new Uint8Array(req.slot, 0, req.length) });
      preMs = performance.now() - t0;
      run = runner.submit(pre.tensor);
      // Handled in the decode chain below, possibly after the previous frame's decode; marked
      // handled now so a run that fails meanwhile is not an unhandled rejection (which ends a
      // worker thread).
      run.catch(() => undefined);
    } catch (e) {
      post(port, { type: "failed", seq: req.seq, error: errorInfo(e) });
      return;
    }
    decodeChain = decodeChain.then(async () => {
      try {
        const { outputs, runMs, copyMs } = await run;
        const t2 = performance.now();
        const decoded = decode(
          m.adapter,
          outputs,
          { geometry: g, labels, frameId: f.id, sourceId: f.sourceId, stampNs: f.stampNs },
          opts,
        );
        const t3 = performance.now();
        const result = {
          ...decoded,
          timings: { ...decoded.timings, preprocess: preMs + copyMs, run: runMs, postprocess: t3 - t2 },
        };
        post(port, { type: "result", seq: req.seq, result }, transferables(result));
      } catch (e) {
        post(port, { type: "failed", seq: req.seq, error: errorInfo(e) });
      }
    });
  };
  port.on("message", (msg: ToWorker) => {
    if (msg.type === "close") {
      preChain = preChain
        .then(() => decodeChain)
        .then(async () => {
          await runner.close();
          process.exit(0);
        });
      return;
    }
    preChain = preChain.then(() => handle(msg));
  });
}

if (!isMainThread && parentPort !== null) {
  void main(parentPort, workerData as WorkerInit);
}
