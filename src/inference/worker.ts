import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { adapterOptionsOf, labelMapOf } from "./adapter-options.js";
import { deeplabLogitsBuffer } from "./adapters/deeplab.js";
import { decode, deeplabOutputName, type LabelMap } from "./adapters/index.js";
import type { AdapterOptions } from "./adapters/index.js";
import type { DeeplabOptions } from "./adapters/types.js";
import { yolactProtoBuffer } from "./adapters/yolact.js";
import { Preprocessor } from "./preprocess.js";
import {
  errorInfo,
  transferables,
  type FromWorker,
  type InferRequest,
  type ToWorker,
  type WorkerInit,
} from "./protocol.js";
import { openSession, toOutputs } from "./session.js";

/**
 * Inference worker: owns one ORT session. Per frame: preprocess (into a reused tensor) →
 * session.run → adapter decode, then posts the SegmentationResult with its typed arrays
 * transferred. Frames are handled strictly one at a time in arrival order.
 */

function post(port: NonNullable<typeof parentPort>, msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/**
 * Raises this thread's nice value by `by` (Linux: nice is per thread, and threads created
 * afterwards — ORT's intra-op pool — inherit it). Best effort: returns a warning, never throws.
 */
function lowerThreadPriority(by: number): string | undefined {
  if (by <= 0 || process.platform !== "linux") return undefined;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return "inference thread priority unchanged: no thread id";
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return undefined;
  } catch (e) {
    return `inference thread priority unchanged: ${e instanceof Error ? e.message : String(e)}`;
  }
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
 * adapter reads the preallocated view instead.)
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

async function main(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const m = init.model.manifest;
  // Before the session exists, so its intra-op threads inherit the priority.
  const niceWarning = lowerThreadPriority(init.nice);
  let opened;
  try {
    opened = await openSession(init.model, {
      providers: init.providers,
      ...(init.providerOptions !== undefined ? { providerOptions: init.providerOptions } : {}),
      ...(init.intraOpThreads !== undefined ? { intraOpThreads: init.intraOpThreads } : {}),
      spinning: false,
    });
  } catch (e) {
    post(port, { type: "init-failed", error: errorInfo(e) });
    return;
  }
  const { session } = opened;
  const pre = new Preprocessor(m.input);
  const input = new ort.Tensor("float32", pre.tensor, [1, 3, m.input.height, m.input.width]);
  const feeds = { [m.input.name]: input };
  const labels: LabelMap = labelMapOf(m);
  const opts = adapterOptionsOf(m);

  // Warm-up: the first run allocates and optimises; keep it out of frame timings.
  const w0 = performance.now();
  const warm = await session.run(feeds);
  const warmupMs = performance.now() - w0;
  const prealloc = preallocatedOutput(m.adapter, warm, opts);
  // Fetches naming every output (ORT returns only the fetched ones): the preallocated one
  // with its tensor, the others null (ORT allocates them).
  const fetchesWith = (p: PreallocatedOutput): Record<string, ort.Tensor | null> =>
    Object.fromEntries(session.outputNames.map((n) => [n, n === p.name ? p.tensor : null]));
  post(port, {
    type: "ready",
    provider: opened.provider,
    attempts: opened.attempts,
    warnings: niceWarning !== undefined ? [...opened.warnings, niceWarning] : opened.warnings,
    warmupMs,
  });

  // One frame at a time: ORT run() is async but the session and the input tensor are shared.
  let chain: Promise<void> = Promise.resolve();
  const handle = async (req: InferRequest): Promise<void> => {
    if (init.testHooks && req.testCrash !== undefined) {
      if (req.testCrash === "exit") process.exit(7);
      setImmediate(() => {
        throw new Error("test hook: worker crash requested");
      });
      return;
    }
    try {
      const f = req.frame;
      const t0 = performance.now();
      const geometry = pre.run({ ...f, data: new Uint8Array(req.slot, 0, req.length) });
      const t1 = performance.now();
      // (A view detached by a later memory growth is not handed to ORT again.)
      const into = prealloc !== undefined && prealloc.view.byteLength > 0 ? prealloc : undefined;
      const results = await (into !== undefined ? session.run(feeds, fetchesWith(into)) : session.run(feeds));
      const t2 = performance.now();
      const outputs = toOutputs(results);
      if (into !== undefined) outputs[into.name] = { dims: into.dims, data: into.view };
      const decoded = decode(
        m.adapter,
        outputs,
        {
          geometry,
          labels,
          frameId: f.id,
          sourceId: f.sourceId,
          stampNs: f.stampNs,
        },
        opts,
      );
      const t3 = performance.now();
      const result = {
        ...decoded,
        timings: { ...decoded.timings, preprocess: t1 - t0, run: t2 - t1, postprocess: t3 - t2 },
      };
      post(port, { type: "result", seq: req.seq, result }, transferables(result));
    } catch (e) {
      post(port, { type: "failed", seq: req.seq, error: errorInfo(e) });
    }
  };
  port.on("message", (msg: ToWorker) => {
    if (msg.type === "close") {
      chain = chain.then(async () => {
        await session.release();
        process.exit(0);
      });
      return;
    }
    chain = chain.then(() => handle(msg));
  });
}

if (!isMainThread && parentPort !== null) {
  void main(parentPort, workerData as WorkerInit);
}
