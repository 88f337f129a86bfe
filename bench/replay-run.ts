/**
 * One replay through `segstream run`'s graph for bench/pipeline.ts, in a child process running
 * the built product (bench/replay-child.mjs: `dist/`, segstream's V8 flags, no tsx), lossless, no
 * sinks; timing, CPU and lag start at output `warmup` (start-up, the JIT's warm-up and shutdown
 * left out).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { ResolvedModel } from "../src/inference/index.js";
import { PRODUCT_NODE_FLAGS } from "./node-flags.js";

/** What bench/replay-child.mjs prints for one replay. */
interface ReplayFigures {
  readonly outputs: number;
  /** Outputs from the end of the warm-up on: the timed ones. */
  readonly timed: number;
  /** Frames/s from output `warmup` to the last. */
  readonly fps: number;
  readonly wallMs: number;
  /** CPU time of the whole replay process (all threads) per frame, over the same span. */
  readonly cpuMsPerFrame: number;
  readonly lagP99: number;
  readonly lagMax: number;
  readonly stagesMs: Readonly<Record<string, number>>;
}

export interface ReplayOptions {
  /** The project root (its `dist/` is what runs). */
  readonly root: string;
  readonly model: ResolvedModel;
  /** A `--source` spec: `images:DIR`, `mcap:FILE#TOPIC`. */
  readonly source: string;
  readonly workers: number;
  readonly threadsPerSession: number;
  readonly overlap: "auto" | boolean;
  /** Outputs left out before timing starts. */
  readonly warmup: number;
  /** The `workerNice` config key, when set. */
  readonly workerNice?: number;
  /** Node flags of the replay process (default: segstream's own, PRODUCT_NODE_FLAGS). */
  readonly nodeFlags?: readonly string[];
}

export interface ReplayResult {
  readonly fps: number;
  /** Fraction of the wall time the workers spent on frames (mean stage times × frames ÷ W). */
  readonly busy: number;
  readonly cpuMsPerFrame: number;
  readonly lagP99: number;
  readonly lagMax: number;
  readonly stagesMs: Readonly<Record<string, number>>;
}

export async function replayOnce(o: ReplayOptions): Promise<ReplayResult> {
  const config = {
    sources: [o.source],
    models: [o.model.onnxPath],
    providers: ["cpu"],
    workers: o.workers,
    providerOptions: { cpu: { intraOpThreads: o.threadsPerSession } },
    overlap: o.overlap,
    ...(o.workerNice !== undefined ? { workerNice: o.workerNice } : {}),
  };
  const child = spawn(
    process.execPath,
    [
      ...(o.nodeFlags ?? PRODUCT_NODE_FLAGS),
      join(o.root, "bench", "replay-child.mjs"),
      JSON.stringify(config),
      String(o.warmup),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line = out.trim().split("\n").pop() ?? "";
  if (code !== 0 || !line.startsWith("{")) {
    throw new Error(
      `bench: replay of ${o.source} (${o.workers}x${o.threadsPerSession}) exited with ${code}; output: ${out.slice(-500)}`,
    );
  }
  const r = JSON.parse(line) as ReplayFigures;
  const st = r.stagesMs;
  const perFrame = (st.preprocess ?? 0) + (st.run ?? 0) + (st.postprocess ?? 0);
  return {
    fps: r.fps,
    busy: ((r.timed - 1) * perFrame) / (o.workers * r.wallMs),
    cpuMsPerFrame: r.cpuMsPerFrame,
    lagP99: r.lagP99,
    lagMax: r.lagMax,
    stagesMs: r.stagesMs,
  };
}
