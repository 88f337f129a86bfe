import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config/defaults.js";
import type { Config } from "../../../src/config/schema.js";
import { defaultModelsDir } from "../../../src/inference/index.js";
import { runPipeline } from "../../../src/pipeline/assemble.js";

/**
 * `overlap: auto` in a real run (bundled YOLACT on the bundled sample, tracking on, prediction
 * files): one worker with one intra-op thread leaves a core free on a machine with ≥ 2, so the
 * workers run their sessions on a run thread of their own. The prediction files must be byte for
 * byte those of the same run with overlap off.
 */
const FRAMES = 8;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function files(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out.set(relative(root, p), await readFile(p));
  }
  return out;
}

async function run(
  overlap: Config["overlap"],
  source = "images:recordings/sample",
): Promise<{ dir: string; logs: string[]; frames: number }> {
  const dir = await mkdtemp(join(tmpdir(), "seg-overlap-"));
  dirs.push(dir);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const config: Config = {
    ...DEFAULT_CONFIG,
    sources: [source],
    models: ["yolact-synth"],
    providers: ["cpu"],
    providerOptions: { ...DEFAULT_CONFIG.providerOptions, cpu: { intraOpThreads: 1 } },
    workers: 1,
    overlap,
    maxFrames: FRAMES,
    sinks: { ...DEFAULT_CONFIG.sinks, predDir: dir },
  };
  const summary = await runPipeline({
    config,
    modelsDir: defaultModelsDir(),
    log: pino({ level: "info" }, sink),
  });
  expect(summary.frames).toBeGreaterThan(0);
  expect(summary.problems).toBe(0);
  return { dir, logs, frames: summary.frames };
}

describe("overlap: auto in runPipeline (real ONNX, real PNGs, tracking, prediction files)", () => {
  it("one 1-thread session on ≥ 2 cores → overlapped; its files equal the inline run's", async () => {
    const cores = availableParallelism();
    if (cores < 2) console.log(`this machine has ${cores} core: auto stays inline, compared anyway`);
    const auto = await run("auto");
    const inline = await run(false);
    const ready = (logs: string[]): { overlap?: boolean } =>
      JSON.parse(logs.find((l) => l.includes("inference worker 0 ready"))!) as { overlap?: boolean };
    expect(ready(auto.logs).overlap).toBe(cores >= 2);
    expect(ready(inline.logs).overlap).toBe(false);
    expect(auto.logs.some((l) => l.includes("overlap on: the inference sessions leave a core free"))).toBe(
      cores >= 2,
    );
    const a = await files(auto.dir);
    const b = await files(inline.dir);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(auto.frames).toBe(FRAMES);
    expect(a.size).toBe(3 * FRAMES); // labelIds, instanceIds, instances.json per frame
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
    const first = JSON.parse(a.get([...a.keys()].find((k) => k.endsWith("instances.json"))!)!.toString()) as {
      instances: unknown[];
    };
    expect(first.instances.length).toBeGreaterThan(0);
  });

  it("one live source (latest-wins: one frame per worker) → inline even with a core free", async () => {
    const live = await run("auto", "synthetic:seed=3,size=256x128,fps=10");
    const ready = JSON.parse(live.logs.find((l) => l.includes("inference worker 0 ready"))!) as {
      overlap?: boolean;
    };
    expect(ready.overlap).toBe(false);
    expect((await files(live.dir)).size).toBe(3 * live.frames);
  });
});
