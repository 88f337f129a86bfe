import type { Command } from "commander";
import { InputError } from "../frames/problem.js";
import type { ResolvedModel } from "../inference/model.js";
import type { ProvidersConfig } from "../inference/providers.js";
import type { Logger } from "../util/logger.js";
import { action, parseIntOption, parseSize, providersFlag } from "./command.js";

interface BenchFlags {
  model?: string[];
  size?: string;
  frames?: string;
  workers?: string;
  threads?: string;
  providers?: string;
  json?: boolean;
}

/** One model's figures. */
export interface BenchRow {
  readonly model: string;
  readonly provider: string;
  readonly frame: string;
  readonly workers: number;
  readonly frames: number;
  /** Frames/s through the inference engine (preprocess → session.run → postprocess), after warm-up. */
  readonly fps: number;
  /** Mean ms per frame of each engine stage. */
  readonly stagesMs: Readonly<Record<string, number>>;
  /** Main-thread event-loop lag meanwhile (util/loop-lag.ts), ms. */
  readonly lagP99Ms: number;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const round = (x: number): number => Math.round(x * 100) / 100;
/** Distinct synthetic frames rendered per model; the run cycles through them. */
const DISTINCT_FRAMES = 8;

/**
 * `segstream bench`: how fast the inference engine runs a model on this machine, with the
 * execution provider it picks (TensorRT → CUDA → CPU unless --providers says otherwise):
 * synthetic-city frames at the model's input size (or --size), 2 frames in flight per worker,
 * timed after a warm-up of one frame per worker. The figures a deployment is sized by; the
 * developers' comparison with a bare `session.run` loop is `npm run bench` (bench/).
 */
export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("measure the inference engine on this machine: frames/s and ms per stage for each model")
    .option(
      "--model <name|path>",
      "bundled model name or path to .onnx/.json (repeatable; default: every bundled model)",
      collect,
    )
    .option("--size <WxH>", "frame size (default: the model's input size)")
    .option("--frames <n>", "frames timed per model", "60")
    .option("--workers <n>", "inference workers", "1")
    .option("--threads <n>", "CPU intra-op threads per session (0: onnxruntime's default)")
    .option("--providers <list>", "execution providers in order, e.g. tensorrt,cuda,cpu or auto", "auto")
    .option("--json", "print one JSON object on stdout")
    .action(
      action(async (ctx, flags: BenchFlags) => {
        const frames = parseIntOption("--frames", flags.frames ?? "60", 1);
        const workers = parseIntOption("--workers", flags.workers ?? "1", 1);
        const threads =
          flags.threads === undefined ? undefined : parseIntOption("--threads", flags.threads, 0);
        const size = flags.size === undefined ? undefined : parseSize("--size", flags.size);
        const [{ validateConfig }, { bundledModelNames, defaultModelsDir, resolveModel }] = await Promise.all(
          [import("../config/load.js"), import("../inference/model.js")],
        );
        const modelsDir = defaultModelsDir();
        const names = flags.model ?? bundledModelNames(modelsDir);
        if (names.length === 0)
          throw new InputError("--model", `no model given and none bundled in ${modelsDir}`);
        // The providers value is checked as the run command checks it (names, "did you mean").
        const providers = validateConfig(
          { providers: providersFlag(flags.providers ?? "auto") },
          "command line",
        ).providers;
        const rows: BenchRow[] = [];
        for (const name of names) {
          const row = await benchModel(
            resolveModel(name, modelsDir),
            { frames, workers, threads, size, providers },
            ctx.log,
          );
          rows.push(row);
          if (!flags.json) {
            process.stderr.write(
              `${row.model} on ${row.provider}, ${row.frame}, ${row.workers} worker(s): ${row.fps} frames/s · ` +
                `${Object.entries(row.stagesMs)
                  .map(([k, v]) => `${k} ${v} ms`)
                  .join(" · ")} · main-thread lag p99 ${row.lagP99Ms} ms\n`,
            );
          }
        }
        if (flags.json) ctx.printJson({ frames, workers, models: rows });
        return 0;
      }),
    );
}

async function benchModel(
  model: ResolvedModel,
  o: {
    frames: number;
    workers: number;
    threads: number | undefined;
    size: { width: number; height: number } | undefined;
    providers: ProvidersConfig;
  },
  log: Logger,
): Promise<BenchRow> {
  const [{ InferenceEngine }, { makeFrame }, { cityFrames }, { LoopLag }] = await Promise.all([
    import("../inference/pool.js"),
    import("../frames/frame.js"),
    import("../synth/frames.js"),
    import("../util/loop-lag.js"),
  ]);
  const { width, height } = o.size ?? model.manifest.input;
  const distinct = cityFrames(width, height, DISTINCT_FRAMES);
  const frame = (id: number) =>
    makeFrame({ ...distinct[id % DISTINCT_FRAMES]!, id, stampNs: BigInt(id) * 58_823_529n });
  const engine = await InferenceEngine.create({
    model,
    providers: o.providers,
    workers: o.workers,
    ...(o.threads !== undefined ? { intraOpThreads: o.threads } : {}),
    log,
  });
  try {
    // Warm-up: one frame per worker (each session's first runs allocate and optimise).
    await Promise.all(Array.from({ length: o.workers }, (_, i) => engine.infer(frame(i))));
    const sums = new Map<string, number>();
    const lag = new LoopLag().start();
    const t0 = performance.now();
    let next = 0;
    const inFlight = 2 * o.workers;
    const lane = async (): Promise<void> => {
      while (next < o.frames) {
        const r = await engine.infer(frame(o.workers + next++));
        for (const [k, v] of Object.entries(r.timings)) sums.set(k, (sums.get(k) ?? 0) + v);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = (performance.now() - t0) / 1000;
    lag.stop();
    return {
      model: model.name,
      provider: engine.selectedProvider,
      frame: `${width}x${height}`,
      workers: o.workers,
      frames: o.frames,
      fps: round(o.frames / seconds),
      stagesMs: Object.fromEntries([...sums].map(([k, v]) => [k, round(v / o.frames)])),
      lagP99Ms: round(lag.summary()?.p99 ?? 0),
    };
  } finally {
    await engine.dispose();
  }
}
