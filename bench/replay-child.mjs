// One replay for bench/pipeline.ts, run the way `segstream run` runs: a process of its own with
// segstream's V8 flags (the parent passes them), and the pipeline from the built `dist/`. Plain
// JavaScript on purpose: through tsx, the main thread's heap carried the loader's transpiled
// sources (18 MB live against 14.6 MB for `bin/segstream.js run` on the same bag; 17 MB with only
// this file through tsx), and every mark-compact on the main thread marks all of it.
// Prints one JSON line on stdout (bench/pipeline.ts's ReplayFigures).
//
//   node --single-threaded-gc bench/replay-child.mjs '<segstream config as JSON>' [WARMUP]
//
// Time, CPU and lag are measured from output WARMUP (default 0: the first) to the last, as the
// bare loop is timed after its warm-up runs: the first outputs carry the JIT's warm-up of the
// graph, the tracker and the adapters on every thread (bench/pipeline.ts has the figures).
import { validateConfig } from "../dist/config/load.js";
import { defaultModelsDir } from "../dist/inference/index.js";
import { runPipeline } from "../dist/pipeline/assemble.js";
import { silentLogger } from "../dist/util/logger.js";
import { LoopLag } from "../dist/util/loop-lag.js";

const config = validateConfig(JSON.parse(process.argv[2] ?? "{}"), "bench");
const warmup = Number(process.argv[3] ?? 0);
const lag = new LoopLag();
let outputs = 0;
let t0 = 0;
let tLast = 0;
let cpu0 = process.cpuUsage();
let cpuLast = cpu0;
lag.start();
const summary = await runPipeline({
  config,
  modelsDir: defaultModelsDir(),
  log: silentLogger,
  onOutput: () => {
    // From output `warmup` to the last: start-up, warm-up and engine shutdown left out.
    tLast = performance.now();
    if (outputs++ === warmup) {
      t0 = tLast;
      cpu0 = process.cpuUsage();
      lag.reset();
    } else cpuLast = process.cpuUsage(cpu0);
  },
});
lag.stop();
const lagMs = lag.summary();
const wallMs = tLast - t0;
process.stdout.write(
  JSON.stringify({
    outputs,
    timed: outputs - warmup,
    fps: ((outputs - warmup - 1) * 1000) / wallMs,
    wallMs,
    cpuMsPerFrame: (cpuLast.user + cpuLast.system) / 1000 / (outputs - warmup - 1),
    lagP99: lagMs?.p99 ?? NaN,
    lagMax: lagMs?.max ?? NaN,
    stagesMs: summary.stagesMs,
  }) + "\n",
);
