import { describe, expect, it } from "vitest";
import type { BenchRow } from "../../src/cli/bench.js";
import { cli } from "./cli.js";

const TINY = "test/fixtures/models/engine_seg_tiny.onnx";

describe("segstream bench", () => {
  it("runs the engine on synthetic frames and prints one JSON object with its figures", () => {
    const r = cli([
      "bench",
      "--model",
      TINY,
      "--frames",
      "12",
      "--size",
      "96x48",
      "--workers",
      "2",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { frames: number; workers: number; models: BenchRow[] };
    expect(out.frames).toBe(12);
    expect(out.models).toHaveLength(1);
    const row = out.models[0]!;
    expect(row).toMatchObject({
      model: "engine_seg_tiny",
      provider: "cpu",
      frame: "96x48",
      workers: 2,
      frames: 12,
    });
    expect(row.fps).toBeGreaterThan(0);
    expect(Object.keys(row.stagesMs).sort()).toEqual(["postprocess", "preprocess", "run"]);
    for (const v of Object.values(row.stagesMs)) expect(v).toBeGreaterThan(0);
    expect(row.lagP99Ms).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [["--model", "no-such-model"], "no-such-model: no such model"],
    [["--model", TINY, "--frames", "0"], "--frames: expected an integer ≥ 1"],
    [["--model", TINY, "--providers", "gpu"], 'unknown execution provider "gpu"'],
    [["--model", TINY, "--size", "8x8"], "--size: expected WxH"],
  ])("%j exits 2 naming the input", (args, message) => {
    const r = cli(["bench", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
