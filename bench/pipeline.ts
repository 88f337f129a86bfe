/**
 * Replay throughput versus a bare `session.run` loop (DESIGN.md §7, issue 5), measured in one run:
 *
 *   bare W×T:   (bench/bare-loop.ts) W worker threads, each with its own session of T
 *               intra-op threads, calling `session.run` in a loop on a pre-filled input (no decode, no preprocess, no
 *               postprocess) for --bare-seconds; frames/s summed over the workers. 1×2 is "one
 *               session with all the threads", 2×1 "two sessions with one thread each". With
 *               T > 1 twice: ORT's default options, and "no-spin" as the engine runs it
 *               (session.ts); the faster counts.
 *   replay W×T: (bench/replay-run.ts) `segstream run`'s graph, in a child process running the
 *               built product (bench/replay-child.mjs: `dist/`, segstream's V8 flags, no tsx; `dist/` is
 *               rebuilt first when `src/` is newer), over the same frames (synthetic city, the model's input
 *               size unless --size), lossless, W workers × T intra-op threads, no sinks — read,
 *               decode, preprocess, inference, postprocess, tracking, in-order settlement — from
 *               each of --sources: `png`, a Cityscapes-style PNG sequence (`images:`), and `mcap`,
 *               a ROS 2 bag of raw rgb8 Image messages (`mcap:`; bench/raw-image-mcap.ts). The
 *               PNG replay pays for zlib: inflating one 1024×512 frame alone is ≈ 5 ms of CPU here,
 *               more than 5 % of the bare loop's CPU per frame on 2 cores; the raw bag shows what
 *               the pipeline itself costs.
 *
 * Two readings of "a bare session.run loop on the same model, size and threads" (target ≥ 0.95):
 * - inference on every core (1×2, 2×1 with --threads 2 = this VM's cores): replay ÷ the best bare
 *   configuration with the same total threads. Every CPU-ms the pipeline spends outside
 *   `session.run` (decode, pre/postprocessing, tracking, the main thread, GC) comes out of
 *   inference one for one here, so the replay cannot beat bare CPU per frame ÷ replay CPU per
 *   frame; each such row prints that "CPU-bound ceiling" — a ratio at its ceiling lost nothing to
 *   waiting, and only less work per frame outside the session raises it.
 * - a core left to the pipeline (1×1 on 2 cores): the inference engine is one core, as a GPU
 *   would be, and the question is whether the pipeline keeps it fed. (`overlap: auto` turns the
 *   worker's run thread on for this layout; see src/inference/run-thread.ts.)
 * Prints, per model: frames/s of every bare and replay configuration; replay ÷ bare of the same
 * W×T (of the medians, and per round: that round's replay ÷ the mean of the bare loops measured
 * just before and just after it, with the median of those — the paired figure, which the
 * machine's drift from minute to minute disturbs least), and replay ÷ the best bare configuration with the
 * same total threads; how busy the workers were (mean
 * pre+run+post × frames ÷ workers ÷ wall time: below 100 % a worker waited for a frame, or
 * spent time outside the timed stages — messages, GC); CPU time of the whole process per frame
 * (all threads: the difference to the bare loop is what decode, pre/postprocessing and the
 * graph cost). Replay time, CPU and lag run from output --warmup (default 40) to the last: start-up,
 * shutdown and the JIT's warm-up left out, as the bare loop is timed after its warm-up runs.
 * Measured (yolact-synth 1×1 from the raw bag, frames/s / CPU ms per frame over windows of 15
 * outputs, two replays): 11.8–12.2 / 111–113 for outputs 0–14, 13.5 / 96–98 for 15–29, then
 * 14.1–15.5 / 79–88 from 30 on; 2×1: 17 / 116 over outputs 0–9, 26 / 76 (the bare loop's 26) from
 * 60 on.
 * Rounds are interleaved (bare, replay, bare, replay …) and medians reported, so a load change
 * on the machine hits both sides. Main-thread event-loop lag p99 (util/loop-lag.ts: how late a 1 ms
 * timer fires; target ≤ 5 ms) is printed for the replay, for an idle main thread, and for an
 * idle main thread while the bare loops saturate the CPU in workers — the last two show how
 * much of the replay's lag is machine noise. Figures, never a pass/fail test.
 *
 *   node --import tsx bench/pipeline.ts [--models A,B] [--frames N] [--warmup N] [--threads N] [--configs 1x1,1x2,2x1]
 *                                       [--sources png,mcap] [--rounds N] [--bare-seconds S]
 *                                       [--size WxH] [--worker-nice N] [--overlap auto|on|off|both] [--json]
 *
 * Started without segstream's V8 flags (bench/node-flags.ts), it re-runs itself with them.
 *
 * `--overlap` sets the config key of that name for the replays (auto: overlapped when the sessions
 * leave a core free, i.e. 1×1 here, else inline); `both`
 * replays each configuration inline and overlapped (session on a run thread of its own).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodePng } from "../src/frames/codec.js";
import { defaultModelsDir, resolveModel } from "../src/inference/index.js";
import { SynthSequence, sequenceSeed } from "../src/synth/index.js";
import { bareLoop, idleLag } from "./bare-loop.js";
import { ensureBuilt } from "./built-product.js";
import { runWithProductFlags } from "./node-flags.js";
import { RAW_IMAGE_TOPIC, writeRawImageMcap } from "./raw-image-mcap.js";
import { replayOnce } from "./replay-run.js";

runWithProductFlags();
const ROOT = ensureBuilt();

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "deeplab-synth,yolact-synth" },
    frames: { type: "string", default: "120" },
    warmup: { type: "string", default: "40" },
    threads: { type: "string", default: "2" },
    configs: { type: "string", default: "1x1,1x2,2x1" },
    rounds: { type: "string", default: "2" },
    "bare-seconds": { type: "string", default: "4" },
    size: { type: "string", default: "" },
    sources: { type: "string", default: "png,mcap" },
    "worker-nice": { type: "string", default: "" },
    overlap: { type: "string", default: "auto" },
    json: { type: "boolean", default: false },
  },
});
const FRAMES = Number(values.frames);
const WARMUP = Number(values.warmup);
if (!(WARMUP >= 0 && FRAMES >= WARMUP + 10))
  throw new Error(
    `--frames ${values.frames} --warmup ${values.warmup}: need warmup >= 0 and frames >= warmup + 10`,
  );
const THREADS = Number(values.threads);
const ROUNDS = Number(values.rounds);
const BARE_MS = Number(values["bare-seconds"]) * 1000;
const CONFIGS = values.configs.split(",").map((c) => {
  const [w, t] = c.split("x").map(Number) as [number, number];
  if (!(w >= 1 && t >= 1)) throw new Error(`--configs: "${c}" is not WxT`);
  return { workers: w, threads: t, name: `${w}x${t}` };
});
/** Replay variants: `--overlap auto|on|off|both` (both: inline and overlapped, interleaved). */
const OVERLAPS: ("auto" | boolean)[] = (() => {
  switch (values.overlap) {
    case "auto":
      return ["auto"];
    case "on":
      return [true];
    case "off":
      return [false];
    case "both":
      return [false, true];
    default:
      throw new Error(`--overlap: "${values.overlap}" is not auto, on, off or both`);
  }
})();
const overlapLabel = (o: "auto" | boolean): string => (o === "auto" ? "" : o ? " overlap" : " inline");
const SOURCES = values.sources.split(",").map((k) => {
  if (k !== "png" && k !== "mcap") throw new Error(`--sources: "${k}" is not png or mcap`);
  return k;
});
const r2 = (x: number): string => x.toFixed(2);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const log = (s: string): void => {
  if (!values.json) console.log(s);
};

/** Bare variants per W×T: ORT defaults, and (T > 1) without spinning as the engine runs it. */
const bareVariants = (t: number): { spin: boolean; label: string }[] =>
  t > 1
    ? [
        { spin: true, label: "" },
        { spin: false, label: " no-spin" },
      ]
    : [{ spin: true, label: "" }];

const report = [];
for (const spec of values.models.split(",")) {
  const model = resolveModel(spec, defaultModelsDir());
  const input = model.manifest.input;
  const [fw, fh] = values.size
    ? (values.size.split("x").map(Number) as [number, number])
    : [input.width, input.height];
  const dir = await mkdtemp(join(tmpdir(), "segstream-bench-"));
  const seq = new SynthSequence({ seed: sequenceSeed(7, 0), width: fw, height: fh, fps: 17, frames: FRAMES });
  const rgb = Array.from({ length: FRAMES }, (_, i) => seq.render(i).rgb.slice());
  const sourceSpec = new Map<string, string>();
  if (SOURCES.includes("png")) {
    const pngDir = join(dir, "png");
    await mkdir(pngDir);
    for (let i = 0; i < FRAMES; i++) {
      const png = await encodePng({ width: fw, height: fh, encoding: "rgb8", data: rgb[i]! });
      await writeFile(join(pngDir, `frame${String(i).padStart(4, "0")}.png`), png);
    }
    sourceSpec.set("png", `images:${pngDir}`);
  }
  if (SOURCES.includes("mcap")) {
    const bag = join(dir, "raw.mcap");
    await writeRawImageMcap(
      bag,
      rgb.map((d) => ({ width: fw, height: fh, rgb: d })),
      17,
    );
    sourceSpec.set("mcap", `mcap:${bag}#${RAW_IMAGE_TOPIC}`);
  }
  rgb.length = 0;
  log(
    `\nmodel ${model.name} (input ${input.width}x${input.height}), frames ${fw}x${fh} (${SOURCES.join(", ")}), ${FRAMES} per replay (timed from output ${WARMUP}), ` +
      `${THREADS} threads in all, CPU, ${ROUNDS} interleaved rounds (medians)`,
  );
  const idle = (await idleLag(1500)).p99;
  const bareFps = new Map<string, number[]>();
  const bareLag = new Map<string, number[]>();
  const bareCpu = new Map<string, number[]>();
  const rep = new Map<
    string,
    { fps: number[]; lag: number[]; lagMax: number[]; busy: number[]; cpu: number[]; paired: number[] }
  >();
  const push = <T>(m: Map<string, T[]>, k: string, v: T): void => {
    const a = m.get(k);
    if (a === undefined) m.set(k, [v]);
    else a.push(v);
  };
  let stages: Record<string, Record<string, number>> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of CONFIGS) {
      // This round's bare frames/s of the same W×T (the faster variant), measured just before and
      // just after the round's replays of it: their mean is each replay's paired baseline.
      const measureBare = async (when: string): Promise<number> => {
        let fastest = 0;
        for (const v of bareVariants(c.threads)) {
          const b = await bareLoop({
            model,
            workers: c.workers,
            threadsPerSession: c.threads,
            spin: v.spin,
            ms: BARE_MS,
          });
          fastest = Math.max(fastest, b.fps);
          push(bareFps, c.name + v.label, b.fps);
          push(bareLag, c.name + v.label, b.lagP99);
          push(bareCpu, c.name + v.label, b.cpuMsPerFrame);
          log(
            `  round ${round + 1} bare ${c.name}${v.label} (${when}): ${r2(b.fps)} fps · CPU ${r2(b.cpuMsPerFrame)} ms/frame · ` +
              `main-thread lag p99 ${r2(b.lagP99)} ms`,
          );
        }
        return fastest;
      };
      const bareBefore = await measureBare("before");
      const roundFps: { e: { paired: number[] }; fps: number }[] = [];
      for (const [src, spec] of sourceSpec)
        for (const ov of OVERLAPS) {
          const key = `${c.name} ${src}${overlapLabel(ov)}`;
          const r = await replayOnce({
            root: ROOT,
            model,
            source: spec,
            workers: c.workers,
            threadsPerSession: c.threads,
            overlap: ov,
            warmup: WARMUP,
            ...(values["worker-nice"] !== "" ? { workerNice: Number(values["worker-nice"]) } : {}),
          });
          const e = rep.get(key) ?? { fps: [], lag: [], lagMax: [], busy: [], cpu: [], paired: [] };
          rep.set(key, e);
          e.fps.push(r.fps);
          roundFps.push({ e, fps: r.fps });
          e.lag.push(r.lagP99);
          e.lagMax.push(r.lagMax);
          e.busy.push(r.busy);
          e.cpu.push(r.cpuMsPerFrame);
          stages = { ...stages, [key]: r.stagesMs };
          log(
            `  round ${round + 1} replay ${key}: ${r2(r.fps)} fps · CPU ${r2(r.cpuMsPerFrame)} ms/frame · ` +
              `workers busy ${(100 * r.busy).toFixed(1)} % · ` +
              `lag p99 ${r2(r.lagP99)} ms (max ${r2(r.lagMax)})`,
          );
        }
      const bareAfter = await measureBare("after");
      for (const { e, fps } of roundFps) e.paired.push(fps / ((bareBefore + bareAfter) / 2));
    }
  }
  await rm(dir, { recursive: true, force: true });
  const bareMedians = [...bareFps].map(([k, v]) => ({
    config: k,
    fps: median(v),
    lagP99: median(bareLag.get(k)!),
    cpuMsPerFrame: median(bareCpu.get(k)!),
  }));
  /** Total threads of a configuration name ("2x1 no-spin" → 2). */
  const totalThreads = (config: string): number => {
    const [w, t] = config.split(" ")[0]!.split("x").map(Number) as [number, number];
    return w * t;
  };
  /** The fastest bare configuration with the same total threads. */
  const bestFor = (total: number): (typeof bareMedians)[number] =>
    bareMedians.filter((b) => totalThreads(b.config) === total).reduce((a, b) => (b.fps > a.fps ? b : a));
  const rows = CONFIGS.flatMap((c) =>
    [...sourceSpec.keys()].flatMap((s) =>
      OVERLAPS.map((ov) => ({
        c,
        src: s + overlapLabel(ov),
        e: rep.get(`${c.name} ${s}${overlapLabel(ov)}`)!,
      })),
    ),
  ).map(({ c, src, e }) => {
    const r = median(e.fps);
    // Strict: the faster of the bare variants with the same W×T.
    const same = Math.max(...bareMedians.filter((b) => b.config.split(" ")[0] === c.name).map((b) => b.fps));
    const best = bestFor(c.workers * c.threads);
    const bareCpu = bareMedians.find((b) => b.config === c.name)?.cpuMsPerFrame ?? Number.NaN;
    return {
      config: c.name,
      source: src,
      replayFps: r,
      bareSameConfigFps: same,
      ratioSameConfig: r / same,
      /**
       * Each round's replay ÷ the mean of the bare loops of the same W×T measured just before and
       * just after that round's replays (drift between rounds cancels, drift within one mostly).
       */
      ratioPerRound: e.paired,
      ratioPaired: median(e.paired),
      bestBare: best.config,
      ratioBestBare: r / best.fps,
      workersBusy: median(e.busy),
      cpuMsPerFrame: median(e.cpu),
      /**
       * Bare CPU per frame ÷ replay CPU per frame: with inference on every core (W×T = the
       * threads in all) the replay cannot beat this, since every CPU-ms outside `session.run`
       * comes out of inference. A ratio at its ceiling lost nothing to waiting; only less work
       * per frame raises it.
       */
      cpuCeiling: bareCpu / median(e.cpu),
      replayLagP99: median(e.lag),
      replayLagMax: Math.max(...e.lagMax),
      stagesMs: stages[`${c.name} ${src}`] ?? {},
    };
  });
  report.push({
    model: model.name,
    frame: `${fw}x${fh}`,
    threads: THREADS,
    idleLagP99: idle,
    bare: bareMedians,
    rows,
  });
  log(`  -- medians --`);
  log(`  idle main thread, nothing running: lag p99 ${r2(idle)} ms`);
  for (const b of bareMedians)
    log(
      `  bare ${b.config}: ${r2(b.fps)} frames/s · CPU ${r2(b.cpuMsPerFrame)} ms/frame · ` +
        `main-thread lag p99 meanwhile ${r2(b.lagP99)} ms`,
    );
  for (const row of rows) {
    log(
      `  replay ${row.config} ${row.source}: ${r2(row.replayFps)} frames/s · ÷ bare ${row.config} = ${r2(row.ratioSameConfig)} ` +
        `(paired ${r2(row.ratioPaired)}: per round ${row.ratioPerRound.map(r2).join(", ")}) · ` +
        `÷ best bare of ${totalThreads(row.config)} thread(s) (${row.bestBare}) = ${r2(row.ratioBestBare)} (target ≥ 0.95) · CPU ` +
        `${r2(row.cpuMsPerFrame)} ms/frame` +
        (totalThreads(row.config) === THREADS
          ? ` (CPU-bound ceiling on all cores ${r2(row.cpuCeiling)})`
          : "") +
        ` · workers busy ${(100 * row.workersBusy).toFixed(1)} % · ` +
        `lag p99 ${r2(row.replayLagP99)} ms (target ≤ 5) · ` +
        `stages ms ${JSON.stringify(row.stagesMs)}`,
    );
  }
  // The two readings of §7's throughput target side by side (paired ratios; see the header).
  const verdict = (free: boolean): string =>
    rows
      .filter((row) => totalThreads(row.config) < THREADS === free)
      .map(
        (row) =>
          `${row.config} ${row.source} ${row.ratioPaired.toFixed(3)}${row.ratioPaired >= 0.95 ? "" : " (below)"}` +
          (free ? "" : ` of ceiling ${r2(row.cpuCeiling)}`),
      )
      .join(", ");
  log(
    `  target replay ≥ 0.95 × bare (paired), a core left to the pipeline: ${verdict(true) || "no such layout run"}`,
  );
  log(
    `  target replay ≥ 0.95 × bare (paired), inference on every core: ${verdict(false) || "no such layout run"}`,
  );
}
if (values.json)
  console.log(
    JSON.stringify({ frames: FRAMES, warmup: WARMUP, threads: THREADS, rounds: ROUNDS, models: report }),
  );
