import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { workerScript } from "../util/worker-script.js";
import { errorFromInfo } from "./errors.js";
import type { FromRunThread, RunRequest, RunThreadInit, SessionReady, ToRunThread } from "./protocol.js";
import type { Runner, RunOutcome } from "./runner.js";

/**
 * The session on a thread of its own (run-worker.ts), so the inference worker preprocesses and
 * decodes while `session.run` works (onnxruntime-node's run blocks its JS thread for the whole
 * inference). Two input buffers travel between the threads by transfer — one running, one
 * waiting behind it — so the session runs back to back and memory stays at two tensors; each
 * run's outputs come back transferred (ORT allocates them per run in any case).
 *
 * If the run thread dies, this worker throws from the event handler and so dies too: the
 * engine (pool.ts) sees an inference worker crash, fails its frames and restarts it.
 */
export class ThreadRunner implements Runner {
  readonly overlapped = true;
  private readonly idle: Float32Array<ArrayBuffer>[];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (o: RunOutcome) => void; reject: (e: Error) => void; copyMs: number }
  >();
  private nextSeq = 0;
  private closing = false;

  private constructor(
    readonly ready: SessionReady,
    private readonly worker: Worker,
    inputLength: number,
  ) {
    this.idle = [new Float32Array(inputLength), new Float32Array(inputLength)];
    worker.on("message", (msg: FromRunThread) => this.onMessage(msg));
    worker.on("exit", (code) => {
      if (this.closing) return;
      throw new Error(`run thread exited with code ${code}`);
    });
  }

  /** Starts the run thread; it opens the session and warms it up. Rejects with the session's error. */
  static open(init: RunThreadInit, inputLength: number): Promise<ThreadRunner> {
    const { url, options } = workerScript("run-worker", import.meta.url);
    const worker = new Worker(url, { ...options, workerData: init, name: "segstream-run" });
    return new Promise<ThreadRunner>((resolve, reject) => {
      const onError = (e: Error): void => reject(new Error(`run thread failed to start: ${e.message}`));
      const onExit = (code: number): void =>
        reject(new Error(`run thread exited with code ${code} during start-up`));
      worker.once("error", onError);
      worker.once("exit", onExit);
      worker.once("message", (msg: FromRunThread) => {
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (msg.type === "ready") {
          const { provider, attempts, warnings, warmupMs } = msg;
          resolve(new ThreadRunner({ provider, attempts, warnings, warmupMs }, worker, inputLength));
        } else {
          reject(
            msg.type === "init-failed"
              ? errorFromInfo(msg.error)
              : new Error(`run thread: unexpected ${msg.type}`),
          );
          void worker.terminate();
        }
      });
    });
  }

  free(): Promise<void> {
    if (this.idle.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  submit(tensor: Float32Array): Promise<RunOutcome> {
    const input = this.idle.pop();
    if (input === undefined)
      throw new RangeError("ThreadRunner.submit: no free input buffer (await free() first)");
    if (tensor.length !== input.length)
      throw new RangeError(
        `ThreadRunner.submit: tensor has ${tensor.length} values, the input ${input.length}`,
      );
    const t0 = performance.now();
    input.set(tensor);
    const copyMs = performance.now() - t0;
    const seq = this.nextSeq++;
    const req: RunRequest = { type: "run", seq, input };
    return new Promise<RunOutcome>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, copyMs });
      this.worker.postMessage(req satisfies ToRunThread, [input.buffer]);
    });
  }

  private onMessage(msg: FromRunThread): void {
    if (msg.type !== "ran" && msg.type !== "run-failed") return;
    this.idle.push(msg.input);
    this.waiting.shift()?.();
    const p = this.pending.get(msg.seq);
    if (p === undefined) return;
    this.pending.delete(msg.seq);
    if (msg.type === "ran") p.resolve({ outputs: msg.outputs, runMs: msg.runMs, copyMs: p.copyMs });
    else p.reject(errorFromInfo(msg.error));
  }

  /** Test only (with `testHooks`): the run thread exits at once, as a crash would end it. */
  testExit(): void {
    this.worker.postMessage({ type: "test-exit" } satisfies ToRunThread);
  }

  async close(): Promise<void> {
    this.closing = true;
    const exited = new Promise<void>((r) => this.worker.once("exit", () => r()));
    this.worker.postMessage({ type: "close" } satisfies ToRunThread);
    await exited;
  }
}
