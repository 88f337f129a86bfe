import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, ROOT } from "./cli.js";

/**
 * util/worker-heap.ts: with V8's default heap start, the inference worker finished a full
 * mark-compact of its heap after almost every frame (28 in the sample's 30 frames, yolact-synth
 * with its run thread; 4 with segstream's setting). Counted from V8's own `--trace-gc` lines,
 * per isolate, in a run of the built CLI.
 */
describe("inference worker heap", () => {
  it("does not run a full GC per frame", async () => {
    const dir = await mkdtemp(join(tmpdir(), "seg-gc-"));
    const config = join(dir, "config.json");
    await writeFile(
      config,
      JSON.stringify({
        sources: ["images:recordings/sample"],
        models: ["yolact-synth"],
        providers: ["cpu"],
        workers: 1,
        providerOptions: { cpu: { intraOpThreads: 1 } },
        overlap: true,
      }),
    );
    const r = spawnSync(
      process.execPath,
      ["--single-threaded-gc", "--trace-gc", CLI, "run", "--config", config, "--json"],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    const perIsolate = new Map<string, number>();
    for (const l of lines) {
      const m = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: Mark-Compact /.exec(l);
      if (m !== null) perIsolate.set(m[1]!, (perIsolate.get(m[1]!) ?? 0) + 1);
    }
    const summary = JSON.parse(lines.filter((l) => !l.startsWith("[")).join("\n")) as { frames: number };
    expect(summary.frames).toBe(30);
    // The trace is V8's: it names mark-compacts per isolate (main thread, reader, inference
    // worker, run thread).
    expect(r.stdout).toMatch(/Mark-Compact|Scavenge/);
    const most = Math.max(0, ...perIsolate.values());
    expect(most, JSON.stringify([...perIsolate])).toBeLessThanOrEqual(summary.frames / 3);
  });
});
