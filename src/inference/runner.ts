import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import { adapterOptionsOf } from "./adapter-options.js";
import { deeplabLogitsBuffer } from "./adapters/deeplab.js";
import { deeplabOutputName, type AdapterOptions } from "./adapters/index.js";
import type { DeeplabOptions, Outputs } from "./adapters/types.js";
import { yolactProtoBuffer } from "./adapters/yolact.js";
import type { RunThreadInit, SessionReady } from "./protocol.js";
import { openWarmSession, toOutputs } from "./session.js";

/**
 * How an inference worker runs its session on a preprocessed tensor. Two kinds:
 * - `InlineRunner` (here): `session.run` on the worker's own thread, which it blocks for the
 *   whole inference — preprocess, run and decode follow one another.
 * - `ThreadRunner` (run-thread.ts): the session lives on a thread of its own, so the worker
 *   preprocesses the next frame and decodes the last one while a run works, and the session
 *   runs back to back. It costs a copy of each input tensor and of each output (ORT's), so it
 *   pays off only where those threads have a core to run on (see `EngineOptions.overlap`).
 */
export interface Runner {
  readonly ready: SessionReady;
  /** True when a submitted run leaves this thread free (ThreadRunner). */
  readonly overlapped: boolean;
  /** Resolves when `submit` may be called (an input buffer is free). */
  free(): Promise<void>;
  /**
   * Starts a run on `tensor` (the preprocessor's, `3 × H × W` float32). The thread runner copies
   * it before returning; the inline runner reads it in place, so the caller must not write it
   * again before the returned promise settles.
   */
  submit(tensor: Float32Array): Promise<RunOutcome>;
  /** Releases the session (and ends the run thread). */
  close(): Promise<void>;
}

export interface RunOutcome {
  readonly outputs: Outputs;
  /** `session.run` alone. */
  readonly runMs: number;
  /** Time `submit` spent copying the tensor (0 inline): part of preprocessing. */
  readonly copyMs: number;
}

/** An output ORT writes into a buffer of ours (a preallocated output) instead of a new one. */
interface PreallocatedOutput {
  readonly name: string;
  readonly dims: readonly number[];
  readonly view: Float32Array;
  readonly tensor: ort.Tensor;
}

/**
 * The output an adapter reads most, preallocated inside its SIMD kernel's memory so ORT writes
 * where the kernel reads and the adapter copies nothing in: DeepLab's logits (deeplab.ts, the
 * argmax; ≈ 1.2 ms per 19 × 512×256 frame) and YOLACT's NHWC prototypes (proto-masks.ts, the
 * mask dot products). Shaped after the warm-up run's output; undefined for other adapters or
 * without SIMD. (onnxruntime-node 1.30 still returns a copy of a preallocated output; the
 * adapter reads the preallocated view instead.) Only for the inline runner: the kernels' memory
 * belongs to the worker's thread.
 */
function preallocatedOutput(
  adapter: string,
  warm: ort.InferenceSession.OnnxValueMapType,
  opts: AdapterOptions[keyof AdapterOptions],
): PreallocatedOutput | undefined {
  const outs = toOutputs(warm);
  let name: string;
  let view: Float32Array | undefined;
  if (adapter === "deeplab") {
    name = deeplabOutputName(outs, opts as DeeplabOptions);
    const dims = outs[name]?.dims;
    if (dims === undefined || dims.length < 3) return undefined;
    const [c, h, w] = dims.slice(-3) as [number, number, number];
    if (c * h * w !== outs[name]!.data.length) return undefined;
    view = deeplabLogitsBuffer(c, h * w);
  } else if (adapter === "yolact") {
    const p = yolactProtoBuffer(outs, opts as AdapterOptions["yolact"]);
    if (p === undefined) return undefined;
    ({ name, view } = p);
  } else {
    return undefined;
  }
  const dims = outs[name]!.dims;
  if (view === undefined) return undefined;
  return { name, dims, view, tensor: new ort.Tensor("float32", view, dims) };
}

/** `session.run` on this thread, with the preprocessor's tensor as the input (no copy). */
export class InlineRunner implements Runner {
  readonly overlapped = false;
  private busy: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly ready: SessionReady,
    private readonly session: ort.InferenceSession,
    private readonly input: Float32Array,
    private readonly feeds: Record<string, ort.Tensor>,
    private readonly prealloc: PreallocatedOutput | undefined,
  ) {}

  /** Opens the session here; `tensor` is the preprocessor's, which every run reads in place. */
  static async open(init: RunThreadInit, tensor: Float32Array): Promise<InlineRunner> {
    const m = init.model.manifest;
    const input = new ort.Tensor("float32", tensor, [1, 3, m.input.height, m.input.width]);
    const feeds = { [m.input.name]: input };
    const { session, ready, warm } = await openWarmSession(init, feeds);
    const prealloc = preallocatedOutput(m.adapter, warm, adapterOptionsOf(m));
    return new InlineRunner(ready, session, tensor, feeds, prealloc);
  }

  free(): Promise<void> {
    return this.busy.then(
      () => undefined,
      () => undefined,
    );
  }

  submit(tensor: Float32Array): Promise<RunOutcome> {
    if (tensor !== this.input)
      throw new TypeError("InlineRunner.submit: the tensor must be the one the runner was opened with");
    const run = this.runOnce();
    this.busy = run;
    return run;
  }

  private async runOnce(): Promise<RunOutcome> {
    const t0 = performance.now();
    // (A view detached by a later memory growth is not handed to ORT again.)
    const p = this.prealloc;
    const into = p !== undefined && p.view.byteLength > 0 ? p : undefined;
    // Fetches name every output (ORT returns only the fetched ones): the preallocated one with
    // its tensor, the others null (ORT allocates them).
    const results = await (into !== undefined
      ? this.session.run(
          this.feeds,
          Object.fromEntries(this.session.outputNames.map((n) => [n, n === into.name ? into.tensor : null])),
        )
      : this.session.run(this.feeds));
    const runMs = performance.now() - t0;
    const outputs = toOutputs(results);
    if (into !== undefined) outputs[into.name] = { dims: into.dims, data: into.view };
    return { outputs, runMs, copyMs: 0 };
  }

  async close(): Promise<void> {
    await this.free();
    await this.session.release();
  }
}
