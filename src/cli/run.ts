import { Option, type Command } from "commander";
import type { Subject } from "rxjs";
import type { Summary } from "../pipeline/metrics.js";
import { InputError } from "../frames/problem.js";
import { action, parseIntOption, providersFlag, type CommandContext } from "./command.js";

interface RunFlags {
  config?: string;
  source?: string[];
  model?: string[];
  predDir?: string;
  record?: string;
  dashboard?: string;
  ros?: boolean;
  realtime?: boolean;
  maxFrames?: string;
  policy?: string;
  workers?: string;
  providers?: string;
  threads?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function parseHostPort(v: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d+)$/.exec(v);
  if (!m) throw new InputError("--dashboard", `expected [HOST:]PORT, got "${v}"`);
  return { host: m[1] ?? "127.0.0.1", port: Number(m[2]) };
}

/** Flags → a partial config laid over the file (flags win). */
export function flagsToOverrides(f: RunFlags): Record<string, unknown> {
  return {
    sources: f.source,
    models: f.model,
    realtime: f.realtime,
    policy: f.policy,
    maxFrames: f.maxFrames === undefined ? undefined : parseIntOption("--max-frames", f.maxFrames, 0),
    workers: f.workers === undefined ? undefined : parseIntOption("--workers", f.workers, 1),
    providers: f.providers === undefined ? undefined : providersFlag(f.providers),
    providerOptions:
      f.threads === undefined
        ? undefined
        : { cpu: { intraOpThreads: parseIntOption("--threads", f.threads, 0) } },
    sinks: {
      predDir: f.predDir,
      record: f.record,
      dashboard: f.dashboard === undefined ? undefined : parseHostPort(f.dashboard),
      ros: f.ros ? { namespace: "/segstream" } : undefined,
    },
  };
}

export function printSummary(ctx: CommandContext, s: Summary, json: boolean): void {
  if (json) {
    ctx.printJson(s);
    return;
  }
  const problems = Object.entries(s.problemsByCode)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const lines = [
    `frames     ${s.frames} in ${s.seconds} s (${s.fps} fps)`,
    `latency    p50 ${s.latencyMs.p50} ms · p95 ${s.latencyMs.p95} ms · p99 ${s.latencyMs.p99} ms`,
    ...(s.eventLoopLagMs !== undefined
      ? [
          `loop lag   p50 ${s.eventLoopLagMs.p50} ms · p99 ${s.eventLoopLagMs.p99} ms · max ${s.eventLoopLagMs.max} ms`,
        ]
      : []),
    `stages     ${Object.entries(s.stagesMs)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(" · ")}`,
    `drops      ${s.drops}`,
    `problems   ${s.problems}${problems ? ` (${problems})` : ""}`,
  ];
  process.stderr.write(lines.join("\n") + "\n");
}

/** Runs the pipeline; SIGINT/SIGTERM stop the source, drain, close sinks, print the summary, exit 0. */
export async function runWithSignals(
  ctx: CommandContext,
  run: (
    stop$: Subject<void>,
    hooks: { onStart: (i: { frameCount: number | undefined }) => void; onOutput: () => void },
  ) => Promise<Summary>,
  json: boolean,
): Promise<number> {
  const [{ Subject }, { SingleBar, Presets }] = await Promise.all([import("rxjs"), import("cli-progress")]);
  const stop$ = new Subject<void>();
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) {
      ctx.log.warn(`${sig} again: exiting without draining`);
      process.exit(130);
    }
    stopping = true;
    ctx.log.info(`${sig}: stopping the source, draining frames in flight`);
    stop$.next();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let bar: InstanceType<typeof SingleBar> | undefined;
  try {
    const summary = await run(stop$, {
      onStart: ({ frameCount }) => {
        if (frameCount !== undefined && process.stderr.isTTY && !json) {
          bar = new SingleBar(
            { stream: process.stderr, format: "{bar} {value}/{total} frames · {eta}s" },
            Presets.shades_classic,
          );
          bar.start(frameCount, 0);
        }
      },
      onOutput: () => bar?.increment(),
    });
    bar?.stop();
    printSummary(ctx, summary, json);
    return 0;
  } finally {
    bar?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run the pipeline: sources → models → tracker → sinks")
    .option("--config <file>", "pipeline config (YAML or JSON); flags override its keys")
    .option(
      "--source <spec>",
      "images:PATH · video:PATH · camera:/dev/videoN · mcap:FILE[#TOPIC] · ros:/topic · synthetic[:seed=N,size=WxH,fps=N] (repeatable)",
      collect,
    )
    .option("--model <name|path>", "bundled model name or path to .onnx/.json (repeatable)", collect)
    .option("--pred-dir <dir>", "write Cityscapes-format predictions")
    .option("--record <file.mcap>", "record an MCAP file")
    .option("--dashboard <[host:]port>", "serve the live dashboard")
    .option("--ros", "publish on ROS 2 topics")
    .option("--realtime", "replay recordings at their recorded rate (latest-wins)")
    .option("--max-frames <n>", "stop after N frames")
    .addOption(new Option("--policy <policy>", "frame policy").choices(["auto", "lossless", "latest-wins"]))
    .option("--workers <n>", "inference workers per model")
    .option("--providers <list>", "execution providers in order, e.g. tensorrt,cuda,cpu or auto")
    .option("--threads <n>", "CPU intra-op threads per session")
    .option("--json", "print the summary as one JSON object on stdout")
    .action(
      action(async (ctx, flags: RunFlags) => {
        const [{ loadConfig }, { runPipeline }, { defaultModelsDir }] = await Promise.all([
          import("../config/load.js"),
          import("../pipeline/assemble.js"),
          import("../inference/model.js"),
        ]);
        const config = loadConfig(flags.config, flagsToOverrides(flags));
        ctx.log.level = config.logging.level;
        return runWithSignals(
          ctx,
          (stop$, hooks) =>
            runPipeline({
              config,
              modelsDir: defaultModelsDir(),
              log: ctx.log,
              stop$,
              onStart: hooks.onStart,
              onOutput: hooks.onOutput,
            }),
          flags.json === true,
        );
      }),
    );
}
