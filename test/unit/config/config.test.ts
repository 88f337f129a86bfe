import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, loadConfig } from "../../../src/config/index.js";
import { InputError } from "../../../src/frames/problem.js";
import { parseSourceSpec } from "../../../src/sources/spec.js";

describe("example configs", async () => {
  const files = (await readdir("configs")).filter((f) => /\.ya?ml$/.test(f));
  it("covers demo, camera, ros and cityscapes-replay", () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining(["camera.yaml", "cityscapes-replay.yaml", "demo.yaml", "ros.yaml"]),
    );
  });
  for (const f of files) {
    it(`${f} validates and its source specs parse`, () => {
      const c = loadConfig(join("configs", f));
      expect(c.sources.length).toBeGreaterThan(0);
      expect(c.models.length).toBeGreaterThan(0);
      for (const s of c.sources) parseSourceSpec(typeof s === "string" ? s : s.spec);
    });
  }
});

describe("loadConfig", () => {
  async function file(name: string, text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "seg-cfg-"));
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  }

  it("fills defaults and lets flags override file keys", async () => {
    const p = await file("a.yaml", "models: [a]\nworkers: 2\ntracking:\n  maskIouWeight: 0.3\n");
    const c = loadConfig(p, { workers: 3, sources: ["images:x"], sinks: { predDir: "out" } });
    expect(c.workers).toBe(3);
    expect(c.models).toEqual(["a"]);
    expect(c.tracking.maskIouWeight).toBe(0.3);
    expect(c.tracking.highScoreThreshold).toBe(DEFAULT_CONFIG.tracking.highScoreThreshold);
    expect(c.sinks.predDir).toBe("out");
  });

  it("rejects an unknown key with a did-you-mean and names the file", async () => {
    const p = await file("b.yaml", "modles: [a]\n");
    expect(() => loadConfig(p)).toThrow(InputError);
    expect(() => loadConfig(p)).toThrow(
      `${p}: invalid configuration:\n  - modles: unknown key "modles" (did you mean "models"?)`,
    );
  });

  it("suggests nested keys too", async () => {
    const p = await file("c.json", JSON.stringify({ tracking: { lostTrackBufferSecs: 2 } }));
    expect(() => loadConfig(p)).toThrow(
      'tracking.lostTrackBufferSecs: unknown key "lostTrackBufferSecs" (did you mean "lostTrackBufferSeconds"?)',
    );
  });

  it("lists the keys a level accepts when an unknown one is no likely typo", async () => {
    const p = await file("k.json", JSON.stringify({ tracking: { iouThresh: 0.3 } }));
    const keys = Object.keys(DEFAULT_CONFIG.tracking).sort();
    expect(() => loadConfig(p)).toThrow(
      /tracking\.iouThresh: unknown key "iouThresh" \(keys here: [a-zA-Z, ]+\)/,
    );
    const message = (() => {
      try {
        loadConfig(p);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    const listed = /keys here: ([a-zA-Z, ]+)\)/.exec(message)?.[1]?.split(", ").sort();
    expect(listed).toEqual(keys);
  });

  it.each([
    [["cpuu"], 'unknown execution provider "cpuu" (did you mean "cpu"?)'],
    [["cuda", "gpu"], 'unknown execution provider "gpu" (for a GPU: "cuda", or "tensorrt,cuda")'],
    [["auto", "cpu"], '"auto" stands alone, not in a list'],
    ["fastest", 'unknown execution provider "fastest"'],
  ])("names a bad providers value %j and what it takes", async (providers, message) => {
    const p = await file("p.json", JSON.stringify({ providers }));
    expect(() => loadConfig(p)).toThrow(
      `providers: ${message}; expected "auto" or a list of tensorrt, cuda, cpu`,
    );
    expect(
      loadConfig(await file("q.json", JSON.stringify({ providers: ["cuda", "cpu"] }))).providers,
    ).toEqual(["cuda", "cpu"]);
  });

  it("takes workerNice within 0..19 and names it when out of range", async () => {
    expect(loadConfig(await file("n.yaml", "workerNice: 19\n")).workerNice).toBe(19);
    expect(loadConfig(await file("n0.yaml", "sources: []\n")).workerNice).toBe(5);
    await expect(async () => loadConfig(await file("n2.yaml", "workerNice: 25\n"))).rejects.toThrow(
      /workerNice/,
    );
  });

  it("takes overlap as auto (default), true or false, and names a wrong value", async () => {
    expect(loadConfig(await file("o0.yaml", "sources: []\n")).overlap).toBe("auto");
    expect(loadConfig(await file("o1.yaml", "overlap: true\n")).overlap).toBe(true);
    expect(loadConfig(await file("o2.yaml", "overlap: false\n")).overlap).toBe(false);
    await expect(async () => loadConfig(await file("o3.yaml", "overlap: sometimes\n"))).rejects.toThrow(
      /o3\.yaml: invalid configuration:\n {2}- overlap: expected "auto", true or false/,
    );
  });

  it("reports wrong types with the path", async () => {
    const p = await file("d.yaml", "workers: many\n");
    expect(() => loadConfig(p)).toThrow(/workers: /);
  });

  it("names a missing config file", () => {
    expect(() => loadConfig("/nope/config.yaml")).toThrow(/^\/nope\/config\.yaml: cannot read config file/);
  });
});

describe("parseSourceSpec", () => {
  it("parses every source kind", () => {
    expect(parseSourceSpec("images:a/b")).toEqual({ type: "images", path: "a/b" });
    expect(parseSourceSpec("mcap:x.mcap#/cam")).toEqual({ type: "mcap", path: "x.mcap", topic: "/cam" });
    expect(parseSourceSpec("mcap:x.mcap")).toEqual({ type: "mcap", path: "x.mcap", topic: undefined });
    expect(parseSourceSpec("synthetic:seed=3,size=320x160,fps=30")).toEqual({
      type: "synthetic",
      seed: 3,
      width: 320,
      height: 160,
      fps: 30,
    });
    expect(parseSourceSpec("camera:/dev/video0")).toEqual({ type: "camera", device: "/dev/video0" });
  });
  it("suggests the closest source type", () => {
    expect(() => parseSourceSpec("imags:x")).toThrow('unknown source type "imags" (did you mean "images"?)');
    expect(() => parseSourceSpec("recordings/sample")).toThrow(
      "recordings/sample: no source type; expected TYPE:…, with TYPE one of images, video, camera, mcap, ros, synthetic\n  hint: did you mean images:recordings/sample?",
    );
    expect(() => parseSourceSpec("bags/drive.mcap")).toThrow("did you mean mcap:bags/drive.mcap?");
    expect(() => parseSourceSpec("clip.MP4")).toThrow("did you mean video:clip.MP4?");
    expect(() => parseSourceSpec("/dev/video0")).toThrow("did you mean camera:/dev/video0?");
    expect(() => parseSourceSpec("synthetic:sede=3")).toThrow(
      'unknown synthetic option "sede"; options: seed=N, size=WxH, fps=N',
    );
  });
});
