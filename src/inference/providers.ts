import { InputError } from "../frames/problem.js";
import type { Logger } from "../util/logger.js";

/**
 * Execution-provider configuration and selection (TensorRT → CUDA → CPU).
 *
 * Facts about onnxruntime-node 1.30 (checked on this machine and in js/node/src/session_options_helper.cc):
 * - `listSupportedBackends()` lists cpu, webgpu (bundled) and cuda, tensorrt (`bundled: false`: their
 *   provider libraries are downloaded at install time; the project's .npmrc skips that).
 * - Creating a session with an EP whose library is missing *throws* ("Failed to load shared library");
 *   it does not fall back. But ORT always assigns nodes an EP cannot run to the CPU EP, so a GPU EP
 *   that loads yet claims nothing would run everything on the CPU silently. The probe therefore
 *   creates a one-node session with `session.disable_cpu_ep_fallback = 1`, which fails unless the EP
 *   really runs that node (see session.ts).
 * - The Node binding forwards only `deviceId` to the CUDA and TensorRT EPs. The TensorRT options
 *   below (fp16, engine/timing caches) are mapped to ORT's `trt_*` names and passed along, but
 *   onnxruntime-node 1.30 ignores them; a warning says so when they are set.
 */

export const PROVIDER_NAMES = ["tensorrt", "cuda", "cpu"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export type ProvidersConfig = "auto" | readonly ProviderName[];
export const AUTO_PROVIDERS: readonly ProviderName[] = ["tensorrt", "cuda", "cpu"];

export interface TensorRtOptions {
  readonly deviceId?: number;
  readonly fp16?: boolean;
  readonly engineCacheDir?: string;
  readonly timingCacheDir?: string;
}
export interface CudaOptions {
  readonly deviceId?: number;
}
export interface CpuOptions {
  readonly intraOpThreads?: number;
}
export interface ProviderOptions {
  readonly tensorrt?: TensorRtOptions;
  readonly cuda?: CudaOptions;
  readonly cpu?: CpuOptions;
}

export const GPU_INSTALL_HINT =
  "GPU execution providers need onnxruntime-node's GPU binaries, which this project's .npmrc skips " +
  "(onnxruntime-node-install=skip). Install them with: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node " +
  '(needs CUDA 12 + cuDNN 9; TensorRT 10 for "tensorrt"), or add "cpu" to the provider list.';

export function expandProviders(cfg: ProvidersConfig): readonly ProviderName[] {
  if (cfg === "auto") return AUTO_PROVIDERS;
  if (cfg.length === 0)
    throw new InputError(
      "providers",
      "the execution-provider list is empty",
      'use "auto" or e.g. ["cuda", "cpu"]',
    );
  return cfg;
}

/** ORT TensorRT EP option names (TensorRT-ExecutionProvider docs, OrtTensorRTProviderOptionsV2). */
export function tensorRtOrtOptions(o: TensorRtOptions = {}): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = { device_id: o.deviceId ?? 0 };
  if (o.fp16 !== undefined) out.trt_fp16_enable = o.fp16;
  if (o.engineCacheDir !== undefined) {
    out.trt_engine_cache_enable = true;
    out.trt_engine_cache_path = o.engineCacheDir;
  }
  if (o.timingCacheDir !== undefined) {
    out.trt_timing_cache_enable = true;
    out.trt_timing_cache_path = o.timingCacheDir;
  }
  return out;
}

/** An `executionProviders` entry for onnxruntime-node's session options. */
export type OrtProviderEntry = { readonly name: ProviderName; readonly deviceId?: number } & Readonly<
  Record<string, string | number | boolean | undefined>
>;

export function ortProviderEntry(name: ProviderName, opts: ProviderOptions = {}): OrtProviderEntry {
  switch (name) {
    case "tensorrt":
      return { ...tensorRtOrtOptions(opts.tensorrt), name, deviceId: opts.tensorrt?.deviceId ?? 0 };
    case "cuda":
      return { name, deviceId: opts.cuda?.deviceId ?? 0 };
    case "cpu":
      return { name };
  }
}

/** Warnings about options the onnxruntime-node binding does not forward. */
export function unappliedOptionWarnings(name: ProviderName, opts: ProviderOptions = {}): string[] {
  if (name !== "tensorrt") return [];
  const t = opts.tensorrt ?? {};
  const set = (["fp16", "engineCacheDir", "timingCacheDir"] as const).filter((k) => t[k] !== undefined);
  return set.length
    ? [
        `tensorrt options ${set.join(", ")} are not applied: onnxruntime-node 1.30 forwards only deviceId to the TensorRT EP`,
      ]
    : [];
}

export type ProviderAttempt<T> =
  | { readonly provider: ProviderName; readonly ok: true; readonly value: T }
  | { readonly provider: ProviderName; readonly ok: false; readonly reason: string };

export interface Selection<T> {
  readonly provider: ProviderName;
  readonly value: T;
  /** Every provider tried before (and including) the selected one. */
  readonly attempts: readonly ProviderAttempt<T>[];
}

/**
 * Tries providers in order with `tryProvider` (which creates the session, or reports why not)
 * and returns the first that works. Logs which loaded and why each earlier one did not.
 * No usable provider → InputError (exit 2) with the GPU-install hint.
 */
export async function selectProvider<T>(
  order: readonly ProviderName[],
  tryProvider: (p: ProviderName) => Promise<ProviderAttempt<T>>,
  log?: Logger,
): Promise<Selection<T>> {
  const attempts: ProviderAttempt<T>[] = [];
  for (const p of order) {
    let a: ProviderAttempt<T>;
    try {
      a = await tryProvider(p);
    } catch (e) {
      // An InputError is about the input (the model file), not this provider: no other will do.
      if (e instanceof InputError) throw e;
      a = { provider: p, ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    attempts.push(a);
    if (a.ok) {
      log?.info(
        {
          provider: p,
          skipped: attempts
            .filter((x) => !x.ok)
            .map((x) => ({ provider: x.provider, reason: (x as { reason: string }).reason })),
        },
        `execution provider: ${p}`,
      );
      return { provider: p, value: a.value, attempts };
    }
    log?.warn({ provider: p, reason: a.reason }, `execution provider ${p} unavailable: ${a.reason}`);
  }
  const lines = attempts.map((a) => `${a.provider}: ${a.ok ? "ok" : a.reason}`);
  throw new InputError(
    `providers [${order.join(", ")}]`,
    `no usable execution provider:\n  - ${lines.join("\n  - ")}`,
    order.some((p) => p !== "cpu") ? GPU_INSTALL_HINT : undefined,
  );
}

/**
 * Cheap availability check before trying to create a session: is the backend compiled into
 * this onnxruntime-node build, and is its provider library installed? (`bundled: false`
 * backends need their shared library next to the binding.)
 */
export function staticAvailability(
  name: ProviderName,
  backends: readonly { name: string; bundled: boolean }[],
  libraryExists: (file: string) => boolean,
): { ok: true } | { ok: false; reason: string } {
  if (name === "cpu") return { ok: true };
  const b = backends.find((x) => x.name === name);
  if (b === undefined) return { ok: false, reason: `this onnxruntime-node build has no "${name}" backend` };
  if (!b.bundled) {
    const lib = name === "cuda" ? "libonnxruntime_providers_cuda.so" : "libonnxruntime_providers_tensorrt.so";
    if (!libraryExists(lib)) {
      return {
        ok: false,
        reason: `${lib} is not installed (onnxruntime-node GPU binaries were skipped at install)`,
      };
    }
  }
  return { ok: true };
}

/**
 * `overlap: auto` on the CPU: whether the CPU sessions of a run — `models` × `workers` sessions of
 * `intraOpThreads` threads each (0: ORT's default, every core) — leave at least one of `cores`
 * free for the workers' pre/postprocessing beside the runs. Measured on a 2-core VM
 * (bench/pipeline.ts --overlap both, raw MCAP replays, frames/s ÷ the bare loop of the same
 * layout): one 1-thread session, a core free — overlapped 0.92–0.96 vs inline 0.84–0.95
 * (deeplab-synth) and 0.92–0.96 vs 0.89–0.91 (yolact-synth); sessions on both cores —
 * overlapped 0.63–0.80 vs inline 0.72–0.88 (the decode then competes with the runs).
 */
export function cpuLeavesCoreFree(
  models: number,
  workers: number,
  intraOpThreads: number,
  cores: number,
): boolean {
  if (intraOpThreads <= 0) return false;
  return models * workers * intraOpThreads < cores;
}

/**
 * Whether an inference worker should run its session on a thread of its own (run-thread.ts)
 * when the config says `overlap: auto` (and the CPU rule above did not already say yes): yes
 * when the provider it will most likely get is a GPU — the first one in `providers` whose
 * libraries are installed (`staticAvailability`; the GPU probe may still fall back to the CPU). A GPU run leaves the CPU idle, so decoding
 * and preprocessing beside it are free.
 */
export function overlapByDefault(
  providers: readonly ProviderName[],
  backends: readonly { name: string; bundled: boolean }[],
  libraryExists: (file: string) => boolean,
): boolean {
  const first = providers.find((p) => staticAvailability(p, backends, libraryExists).ok);
  return first !== undefined && first !== "cpu";
}
