import { setFlagsFromString } from "node:v8";

/**
 * The old-generation size at which V8 first considers a full GC in the isolates segstream
 * creates from here on (its worker threads), in MiB: V8's `--initial-old-space-size`.
 *
 * Why: with V8's default start (Node 20.20), an inference worker — ≈ 9 MB live, ≈ 1 MB of
 * old-generation garbage and 7–10 MB of fresh ArrayBuffers (onnxruntime-node's output copies)
 * per frame — started incremental marking after almost every frame and finished a mark-compact
 * of its whole heap each time (143 in 150 yolact-synth frames; 78 in 80 deeplab-synth frames;
 * `--trace-gc`), ≈ 15 ms of marking per frame on the worker's thread, and with
 * `--single-threaded-gc` all of it on that thread. At 64 MiB: 16–18 mark-compacts in 150 frames
 * (the rest come from the output buffers' external memory, one per ≈ 64 MB of them), process
 * CPU per frame 110 → 88–97 ms (yolact-synth 1×1 from a raw bag) and 173 → 160 ms
 * (deeplab-synth). The cost is memory: a worker's heap may now grow to about this much before
 * it is collected — peak RSS of that yolact replay 423–429 → 486–489 MB. 32 and 48 MiB (measured
 * too) saved less CPU (93–99 ms per frame) for 10–20 MB less.
 */
export const WORKER_INITIAL_OLD_SPACE_MIB = 64;

const USER_HEAP_FLAGS = ["--initial-old-space-size", "--initial-heap-size"];

export type WorkerHeapDecision =
  { readonly kind: "set"; readonly mib: number } | { readonly kind: "user"; readonly flag: string };

/** What `sizeWorkerHeaps` does given the process's flags: the user's own heap flag wins. */
export function workerHeapDecision(execArgv: readonly string[], nodeOptions: string): WorkerHeapDecision {
  // V8 takes `--a-b` and `--a_b` alike.
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].find((a) =>
    USER_HEAP_FLAGS.includes(a.split("=")[0]!.replace(/_/g, "-")),
  );
  return given !== undefined
    ? { kind: "user", flag: given }
    : { kind: "set", mib: WORKER_INITIAL_OLD_SPACE_MIB };
}

let decided: WorkerHeapDecision | undefined;

/**
 * Sets V8's initial old-space size for isolates created after this call (the main thread's heap
 * is already configured and keeps its own), once per process, unless the user started node
 * with a heap-size flag of their own. Call before starting worker threads. Returns what it did.
 * V8 reads the flag when it configures a new isolate's heap; setting it after start-up is safe
 * for that reason (unlike the GC-concurrency flags such as `--single-threaded-gc`, which aborted
 * V8 in its first GC when flipped at run time, and so are on node's command line).
 */
export function sizeWorkerHeaps(): WorkerHeapDecision {
  if (decided !== undefined) return decided;
  decided = workerHeapDecision(process.execArgv, process.env["NODE_OPTIONS"] ?? "");
  if (decided.kind === "set") setFlagsFromString(`--initial-old-space-size=${decided.mib}`);
  return decided;
}
