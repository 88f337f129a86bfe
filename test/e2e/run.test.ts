import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../src/frames/codec.js";
import { cli, cliAsync } from "./cli.js";

const TINY = "test/fixtures/models/engine_seg_tiny.onnx";
const BIG = "test/fixtures/models/engine_seg_1024x512.onnx";

async function imageDir(
  n: number,
  opts: { corruptAt?: number; width?: number; height?: number } = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "seg-run-"));
  const w = opts.width ?? 96;
  const h = opts.height ?? 48;
  for (let i = 0; i < n; i++) {
    const name = join(dir, `frame${i}.png`);
    if (i === opts.corruptAt) {
      await writeFile(name, Buffer.from("\x89PNG\r\n\x1a\n truncated"));
      continue;
    }
    const data = new Uint8Array(w * h * 3).map((_, j) => (j * 5 + i * 17) % 256);
    await writeFile(name, await encodePng({ width: w, height: h, encoding: "rgb8", data }));
  }
  return dir;
}

interface Summary {
  frames: number;
  fps: number;
  drops: number;
  latencyMs: { p50: number; p95: number; p99: number };
  eventLoopLagMs?: { p50: number; p99: number; max: number };
  problemsByCode: Record<string, number>;
}

describe("segstream run", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await imageDir(8);
  });

  it("replays losslessly, writes one prediction set per frame and prints one JSON summary", async () => {
    const pred = await mkdtemp(join(tmpdir(), "seg-pred-"));
    const r = cli(["run", "--source", `images:${dir}`, "--model", TINY, "--pred-dir", pred, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.frames).toBe(8);
    expect(s.drops).toBe(0);
    expect(s.fps).toBeGreaterThan(0);
    expect(s.latencyMs.p50).toBeGreaterThan(0);
    expect(s.latencyMs.p99).toBeGreaterThanOrEqual(s.latencyMs.p95);
    // The main thread's event-loop lag while frames flowed (DESIGN.md §7).
    expect(s.eventLoopLagMs!.p99).toBeGreaterThanOrEqual(s.eventLoopLagMs!.p50);
    expect(s.eventLoopLagMs!.max).toBeGreaterThanOrEqual(s.eventLoopLagMs!.p99);
    const files = (await readdir(join(pred, "cam0"))).sort();
    expect(files.filter((f) => f.endsWith("_pred_labelIds.png"))).toHaveLength(8);
    expect(files.filter((f) => f.endsWith("_pred_instanceIds.png"))).toHaveLength(8);
    expect(files.filter((f) => f.endsWith("_pred_instances.json"))).toHaveLength(8);
  });

  it("replays the bundled sample losslessly: one Cityscapes-named prediction set per frame, scored by eval", async () => {
    const pred = await mkdtemp(join(tmpdir(), "seg-pred-"));
    const r = cli([
      "run",
      "--source",
      "images:recordings/sample",
      "--model",
      TINY,
      "--pred-dir",
      pred,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.frames).toBe(30);
    expect(s.drops).toBe(0);
    const files = await readdir(join(pred, "synth"));
    for (let i = 0; i < 30; i++) {
      const stem = `synth_000000_${String(i).padStart(6, "0")}`;
      for (const suffix of ["_pred_labelIds.png", "_pred_instanceIds.png", "_pred_instances.json"]) {
        expect(files).toContain(stem + suffix);
      }
    }
    const e = cli(["eval", "--gt", "recordings/sample", "--pred", pred, "--json"]);
    expect(e.code, e.stderr).toBe(0);
    const miou = (JSON.parse(e.stdout) as { semantic: { mIoU: number } }).semantic.mIoU;
    expect(miou).toBeGreaterThanOrEqual(0);
    expect(miou).toBeLessThan(1); // an untrained fixture model is not the ground truth
  });

  it("runs several sources in one run, keeping their frames apart", async () => {
    const other = await imageDir(5);
    const pred = await mkdtemp(join(tmpdir(), "seg-pred-"));
    const cfg = join(await mkdtemp(join(tmpdir(), "seg-cfg-")), "two.yaml");
    await writeFile(
      cfg,
      [
        "sources:",
        `  - { spec: "images:${dir}", id: left }`,
        `  - { spec: "images:${other}", id: right }`,
        `models: ["${TINY}"]`,
        `sinks: { predDir: "${pred}" }`,
      ].join("\n"),
    );
    const r = cli(["run", "--config", cfg, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Summary).frames).toBe(13);
    expect((await readdir(join(pred, "left"))).filter((f) => f.endsWith("_instances.json"))).toHaveLength(8);
    expect((await readdir(join(pred, "right"))).filter((f) => f.endsWith("_instances.json"))).toHaveLength(5);
  });

  it("turns a corrupt PNG mid-sequence into a problem and goes on", async () => {
    const bad = await imageDir(6, { corruptAt: 3 });
    const r = cli(["run", "--source", `images:${bad}`, "--model", TINY, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.frames).toBe(5);
    expect(s.problemsByCode).toEqual({ "decode-failed": 1 });
    expect(r.stderr).toContain("frame3.png");
  });

  it("exits 2 naming a missing source path", () => {
    const r = cli(["run", "--source", "images:/no/such/dir", "--model", TINY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("images:/no/such/dir");
  });

  it("exits 2 with a suggestion for an unknown config key", async () => {
    const cfg = join(await mkdtemp(join(tmpdir(), "seg-cfg-")), "bad.yaml");
    await writeFile(cfg, `sources: ["images:${dir}"]\nmodels: ["${TINY}"]\npolcy: lossless\n`);
    const r = cli(["run", "--config", cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key "polcy" (did you mean "policy"?)');
    expect(r.stderr).toContain(cfg);
  });

  it("exits 2 with an install hint when ffmpeg is absent", async () => {
    const video = join(await mkdtemp(join(tmpdir(), "seg-vid-")), "clip.mp4");
    await writeFile(video, Buffer.alloc(1024));
    const r = cli(["run", "--source", `video:${video}`, "--model", TINY], {
      SEGSTREAM_FFMPEG: "/nonexistent/ffmpeg",
      SEGSTREAM_FFPROBE: "/nonexistent/ffprobe",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/ff(mpeg|probe)/);
    expect(r.stderr).toContain("apt-get install ffmpeg");
  });

  it("exits 2 naming a prediction directory it cannot write, before loading the model", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "seg-predfile-")), "not-a-dir");
    await writeFile(file, "x");
    const r = cli(["run", "--source", `images:${dir}`, "--model", TINY, "--pred-dir", join(file, "pred")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--pred-dir ${join(file, "pred")}: cannot write predictions there (ENOTDIR`);
    expect(r.stderr).not.toContain("model loaded");
  });

  it("exits 2 naming a model that does not exist", () => {
    const r = cli(["run", "--source", `images:${dir}`, "--model", "no-such-model"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no-such-model");
  });

  // --threads 1: one 1-thread session leaves a core free, so overlap (auto) runs the session on a
  // run thread of its own; the shutdown must drain both threads.
  it.each([[[] as string[]], [["--threads", "1"]]])(
    "on SIGINT prints the summary, exits 0 and leaves no partial prediction file (%j)",
    async (extra) => {
      const many = await imageDir(400, { width: 320, height: 160 });
      const pred = await mkdtemp(join(tmpdir(), "seg-pred-"));
      const child = cliAsync([
        "run",
        "--source",
        `images:${many}`,
        "--model",
        BIG,
        "--pred-dir",
        pred,
        "--json",
        ...extra,
      ]);
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      // Wait until a few frames are written, then interrupt.
      const started = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        const files = await readdir(join(pred, "cam0")).catch(() => [] as string[]);
        if (files.filter((f) => f.endsWith("_instances.json")).length >= 3) break;
        if (Date.now() - started > 60_000) throw new Error(`no predictions after 60 s: ${stderr}`);
      }
      child.kill("SIGINT");
      const code = await new Promise<number | null>((r) => child.on("exit", r));
      expect(code, stderr).toBe(0);
      const s = JSON.parse(stdout) as Summary;
      expect(s.frames).toBeGreaterThanOrEqual(3);
      expect(s.frames).toBeLessThan(400);
      const files = await readdir(join(pred, "cam0"));
      expect(files.filter((f) => f.includes(".tmp-"))).toEqual([]);
      // Every frame the summary counts has its complete set of three files, and nothing more.
      for (const suffix of ["_pred_labelIds.png", "_pred_instanceIds.png", "_pred_instances.json"]) {
        expect(files.filter((f) => f.endsWith(suffix))).toHaveLength(s.frames);
      }
    },
  );
});
