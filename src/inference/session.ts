import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import { performance } from "node:perf_hooks";
import { errorMessage, InputError } from "../frames/problem.js";
import type { Logger } from "../util/logger.js";
import { checkModelIo, type ResolvedModel } from "./model.js";
import type { AttemptRecord, RunThreadInit, SessionReady } from "./protocol.js";
import { PROBE_INPUT, probeModelBytes } from "./probe-model.js";
import {
  ortProviderEntry,
  overlapByDefault,
  selectProvider,
  staticAvailability,
  unappliedOptionWarnings,
  type ProviderAttempt,
  type ProviderName,
  type ProviderOptions,
} from "./providers.js";

/** Opens ORT sessions with provider selection and checks them against the manifest. Runs in the worker. */

export interface SessionRequest {
  readonly providers: readonly ProviderName[];
  readonly providerOptions?: ProviderOptions;
  /** ORT intra-op threads (default: ORT's choice, all cores). */
  readonly intraOpThreads?: number;
  /**
   * Whether ORT's intra-op pool threads busy-wait for work between parallel sections (ORT's
   * default: yes). The inference worker turns it off: between runs its pool threads would spin
   * through the worker's pre/postprocessing and the main thread's and decoder's work, taking
   * the cores those need. Measured (deeplab-synth, 2 threads, Node 20, 2-core VM): with
   * spinning the session burned ≈ 32 ms of CPU in the 100 ms after each run, without ≈ 0.3 ms.
   */
  readonly spinning?: boolean;
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  readonly provider: ProviderName;
  readonly attempts: readonly AttemptRecord[];
  readonly warnings: readonly string[];
}

/** Directory holding onnxruntime-node's native binding and provider libraries. */
export function ortBinaryDir(): string {
  const main = createRequire(import.meta.url).resolve("onnxruntime-node");
  return join(dirname(main), "..", "bin", "napi-v6", process.platform, process.arch);
}

/** `overlapByDefault` for this installation of onnxruntime-node. */
export function overlapHere(providers: readonly ProviderName[]): boolean {
  const binDir = ortBinaryDir();
  return overlapByDefault(providers, ort.listSupportedBackends(), (f) => existsSync(join(binDir, f)));
}

function sessionOptions(
  entry: ReturnType<typeof ortProviderEntry>,
  req: SessionRequest,
): ort.InferenceSession.SessionOptions {
  const threads = req.intraOpThreads ?? req.providerOptions?.cpu?.intraOpThreads;
  return {
    executionProviders: [entry],
    graphOptimizationLevel: "all",
    ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
    ...(req.spinning === false ? { extra: { session: { "intra_op.allow_spinning": "0" } } } : {}),
  };
}

/**
 * Proves a GPU EP really executes a node: a one-node session with CPU fallback disabled fails
 * if ORT would place that node on the CPU (a silent fallback).
 */
async function probeGpuProvider(
  name: ProviderName,
  opts: ProviderOptions | undefined,
): Promise<string | undefined> {
  try {
    const s = await ort.InferenceSession.create(probeModelBytes(), {
      executionProviders: [ortProviderEntry(name, opts)],
      extra: { session: { disable_cpu_ep_fallback: "1" } },
    });
    await s.run({ [PROBE_INPUT]: new ort.Tensor("float32", new Float32Array(4), [4]) });
    await s.release();
    return undefined;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return /fallback to CPU EP has been explicitly disabled/.test(msg)
      ? `ORT would silently run on the CPU (the ${name} EP did not take a probe node)`
      : msg.split("\n")[0]!;
  }
}

/** onnxruntime's messages for a file its model loader cannot read (1.30: "Load model from X failed:…"). */
const MODEL_LOAD_FAILURE =
  /Load model from .* failed|Protobuf parsing failed|ModelProto does not have a graph/i;

export async function openSession(
  model: ResolvedModel,
  req: SessionRequest,
  log?: Logger,
): Promise<OpenedSession> {
  const binDir = ortBinaryDir();
  const backends = ort.listSupportedBackends();
  const warnings: string[] = [];
  const tryProvider = async (p: ProviderName): Promise<ProviderAttempt<ort.InferenceSession>> => {
    const avail = staticAvailability(p, backends, (f) => existsSync(join(binDir, f)));
    if (!avail.ok) return { provider: p, ok: false, reason: avail.reason };
    if (p !== "cpu") {
      const why = await probeGpuProvider(p, req.providerOptions);
      if (why !== undefined) return { provider: p, ok: false, reason: why };
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(
        model.onnxPath,
        sessionOptions(ortProviderEntry(p, req.providerOptions), req),
      );
    } catch (e) {
      // ORT's model loader failing is the file's fault, whatever the provider: say so rather
      // than "no usable execution provider" (with a GPU install hint) after trying them all.
      const msg = errorMessage(e);
      if (MODEL_LOAD_FAILURE.test(msg)) {
        throw new InputError(
          model.onnxPath,
          `cannot load the model (${msg.split("\n")[0]!.replace(/^Load model from \S+ failed:\s*/, "")})`,
          "check it is a complete ONNX file (a download or copy may have been cut short) and re-export it if not",
        );
      }
      throw e;
    }
    warnings.push(...unappliedOptionWarnings(p, req.providerOptions));
    return { provider: p, ok: true, value: session };
  };
  const sel = await selectProvider(req.providers, tryProvider, log);
  try {
    checkModelIo(model, sel.value);
  } catch (e) {
    await sel.value.release();
    throw e;
  }
  return {
    session: sel.value,
    provider: sel.provider,
    attempts: sel.attempts.map((a) =>
      a.ok ? { provider: a.provider, ok: true } : { provider: a.provider, ok: false, reason: a.reason },
    ),
    warnings,
  };
}

/**
 * Opens the session as the workers run it (intra-op threads not spinning between runs; see
 * session.ts) and warms it up on `feeds` — the first run allocates and optimises, and is kept
 * out of frame timings. Used by both runners (runner.ts, run-worker.ts).
 */
export async function openWarmSession(
  init: RunThreadInit,
  feeds: Record<string, ort.Tensor>,
): Promise<{
  session: ort.InferenceSession;
  ready: SessionReady;
  warm: ort.InferenceSession.OnnxValueMapType;
}> {
  const opened = await openSession(init.model, {
    providers: init.providers,
    ...(init.providerOptions !== undefined ? { providerOptions: init.providerOptions } : {}),
    ...(init.intraOpThreads !== undefined ? { intraOpThreads: init.intraOpThreads } : {}),
    spinning: false,
  });
  try {
    const w0 = performance.now();
    const warm = await opened.session.run(feeds);
    const warmupMs = performance.now() - w0;
    const { provider, attempts, warnings } = opened;
    return { session: opened.session, ready: { provider, attempts, warnings, warmupMs }, warm };
  } catch (e) {
    await opened.session.release();
    throw e;
  }
}

/** ORT outputs → the adapters' {dims, data: Float32Array} records. */
export function toOutputs(
  results: ort.InferenceSession.OnnxValueMapType,
): Record<string, { dims: readonly number[]; data: Float32Array }> {
  const out: Record<string, { dims: readonly number[]; data: Float32Array }> = {};
  for (const [name, t] of Object.entries(results)) {
    const v = t;
    if (!(v.data instanceof Float32Array)) {
      throw new TypeError(`output "${name}" is ${v.type}, the adapters need float32`);
    }
    out[name] = { dims: v.dims, data: v.data };
  }
  return out;
}
