import type { Encoding } from "../frames/frame.js";
import type { SegmentationResult } from "./result.js";
import type { ResolvedModel } from "./model.js";
import type { ProviderName, ProviderOptions } from "./providers.js";

/** Nice value added to each inference worker thread (and the ORT threads it starts); 0 = unchanged. */
export const DEFAULT_WORKER_NICE = 5;

/** Messages between the InferenceEngine (main thread) and an inference worker. */

export interface WorkerInit {
  readonly model: ResolvedModel;
  readonly providers: readonly ProviderName[];
  readonly providerOptions?: ProviderOptions;
  readonly intraOpThreads?: number;
  /** Nice increment for the worker thread (and the ORT pool threads it creates); 0 leaves it. */
  readonly nice: number;
  readonly workerIndex: number;
  /**
   * Run the session on a thread of its own (run-thread.ts) so this worker preprocesses the next
   * frame and decodes the last one while `session.run` works; otherwise everything runs here,
   * one step after the other. `auto`: overlap when the provider will be a GPU
   * (providers.ts `overlapByDefault`).
   */
  readonly overlap: boolean | "auto";
  /** Enables test-only hooks (deliberate crashes). */
  readonly testHooks: boolean;
}

/** Test hooks: end the worker (`exit`), throw in it (`throw`), or end its run thread (`run-thread`). */
export type TestCrash = "exit" | "throw" | "run-thread";

/** A frame whose pixels sit in a shared input slot (`slot`, first `length` bytes). */
export interface InferRequest {
  readonly type: "infer";
  readonly seq: number;
  readonly slot: SharedArrayBuffer;
  readonly length: number;
  readonly frame: {
    readonly id: number;
    readonly stampNs: bigint;
    readonly sourceId: string;
    readonly width: number;
    readonly height: number;
    readonly encoding: Encoding;
  };
  readonly testCrash?: TestCrash;
}

/** Finish queued frames, release the session, exit. */
export interface CloseRequest {
  readonly type: "close";
}

export type ToWorker = InferRequest | CloseRequest;

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly input?: string;
  readonly hint?: string;
}

/** A provider tried at start-up, as reported: whether it was taken, and why not. */
export interface AttemptRecord {
  readonly provider: ProviderName;
  readonly ok: boolean;
  readonly reason?: string;
}

/** A session opened and warmed up: the provider it got, and how it got there. */
export interface SessionReady {
  readonly provider: ProviderName;
  readonly attempts: readonly AttemptRecord[];
  readonly warnings: readonly string[];
  readonly warmupMs: number;
}

export type FromWorker =
  | (SessionReady & {
      readonly type: "ready";
      /** Whether the session runs on a thread of its own (WorkerInit.overlap). */
      readonly overlap: boolean;
    })
  | { readonly type: "init-failed"; readonly error: ErrorInfo }
  | { readonly type: "result"; readonly seq: number; readonly result: SegmentationResult }
  | { readonly type: "failed"; readonly seq: number; readonly error: ErrorInfo };

/** Messages between an inference worker and its run thread (overlap mode, run-thread.ts). */
export interface RunThreadInit {
  readonly model: ResolvedModel;
  readonly providers: readonly ProviderName[];
  readonly providerOptions?: ProviderOptions;
  readonly intraOpThreads?: number;
  /** Added to the nice value the run thread inherits from the worker that starts it. */
  readonly nice: number;
  /** Honour `test-exit` (a deliberate crash of the run thread). */
  readonly testHooks: boolean;
}

/** A preprocessed input tensor, transferred; it comes back with the outputs. */
export interface RunRequest {
  readonly type: "run";
  readonly seq: number;
  readonly input: Float32Array<ArrayBuffer>;
}

export type ToRunThread = RunRequest | CloseRequest | { readonly type: "test-exit" };

export interface RunOutputs {
  readonly [name: string]: { readonly dims: readonly number[]; readonly data: Float32Array };
}

export type FromRunThread =
  | (SessionReady & { readonly type: "ready" })
  | { readonly type: "init-failed"; readonly error: ErrorInfo }
  | {
      readonly type: "ran";
      readonly seq: number;
      readonly input: Float32Array<ArrayBuffer>;
      readonly outputs: RunOutputs;
      readonly runMs: number;
    }
  | {
      readonly type: "run-failed";
      readonly seq: number;
      readonly input: Float32Array<ArrayBuffer>;
      readonly error: ErrorInfo;
    };

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const x = e as Error & { input?: unknown; hint?: unknown };
    return {
      name: e.name,
      message: e.message,
      ...(typeof x.input === "string" ? { input: x.input } : {}),
      ...(typeof x.hint === "string" ? { hint: x.hint } : {}),
    };
  }
  return { name: "Error", message: String(e) };
}

/**
 * ArrayBuffers of the typed arrays inside `value`, for a postMessage transfer list. Only arrays
 * that own their whole (non-shared) buffer are transferred; views into a larger buffer (an
 * adapter's scratch space) are left to be copied, so transferring can never detach them.
 */
export function transferables(value: unknown, depth = 4, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (value === null || typeof value !== "object" || depth < 0) return [...out];
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buf.byteLength)
      out.add(buf);
    return [...out];
  }
  const items = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
  for (const v of items) transferables(v, depth - 1, out);
  return [...out];
}
