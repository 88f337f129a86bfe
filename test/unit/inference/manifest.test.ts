import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/frames/problem.js";
import { adapterOptionsOf, labelMapOf } from "../../../src/inference/adapter-options.js";
import { parseManifest } from "../../../src/inference/manifest.js";
import {
  bundledModelNames,
  checkModelIo,
  resolveModel,
  type SessionIo,
} from "../../../src/inference/model.js";
import { closest, didYouMean, levenshtein } from "../../../src/util/suggest.js";

const FIX = join(import.meta.dirname, "..", "..", "fixtures", "models");
const tinyJson = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIX, "engine_seg_tiny.json"), "utf8")) as Record<string, unknown>;

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

describe("suggest", () => {
  it("computes edit distance", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("same", "same")).toBe(0);
  });
  it("suggests close names only", () => {
    expect(closest("chanelOrder", ["channelOrder", "mean", "std"])).toBe("channelOrder");
    expect(closest("xyz", ["channelOrder", "mean"])).toBeUndefined();
    expect(didYouMean("labelz", ["labels", "name"])).toBe(' (did you mean "labels"?)');
  });
});

describe("manifest", () => {
  it("parses the fixture manifest and fills defaults", () => {
    const m = parseManifest(tinyJson(), "tiny.json");
    expect(m.adapter).toBe("deeplab");
    expect(m.input.layout).toBe("NCHW");
    expect(m.thresholds.topK).toBe(200);
    expect(labelMapOf(m).toLabelId.slice(0, 3)).toEqual([7, 8, 11]);
    expect(adapterOptionsOf(m)).toEqual({ outputName: "out" });
  });

  it("rejects unknown keys with did-you-mean, top level and nested", () => {
    const j = tinyJson();
    j.labelz = [];
    (j.input as Record<string, unknown>).chanelOrder = "rgb";
    (j.provenance as Record<string, unknown>).comit = "abc";
    const err = errorOf(() => parseManifest(j, "m.json"));
    expect(err.message).toContain('labelz: unknown key "labelz" (did you mean "labels"?)');
    expect(err.message).toContain(
      'input.chanelOrder: unknown key "chanelOrder" (did you mean "channelOrder"?)',
    );
    expect(err.message).toContain('provenance.comit: unknown key "comit" (did you mean "commit"?)');
    expect(err.input).toBe("m.json");
  });

  it("checks output roles per adapter and task consistency", () => {
    const j = tinyJson();
    j.outputs = { logit: "out" };
    j.task = "instance";
    const err = errorOf(() => parseManifest(j, "m.json"));
    expect(err.message).toContain('adapter "deeplab" needs output role "logits"');
    expect(err.message).toContain(
      'unknown output role "logit" for adapter "deeplab" (did you mean "logits"?)',
    );
    expect(err.message).toContain('adapter "deeplab" produces semantic results, but task is "instance"');
  });

  it("rejects labels that are not Cityscapes ids and duplicate indices", () => {
    const j = tinyJson();
    const labels = j.labels as Record<string, unknown>[];
    labels[1]!.index = 0;
    labels[2]!.labelId = 34;
    const err = errorOf(() => parseManifest(j, "m.json"));
    expect(err.message).toContain("labels[1].index: duplicate class index 0");
    expect(err.message).toContain("labels[2].labelId");
  });

  it("maps the deeplab section's upsample mode, checks it and rejects it for other adapters", () => {
    const j = tinyJson();
    j.deeplab = { upsample: "logits" };
    expect(adapterOptionsOf(parseManifest(j, "d.json"))).toEqual({ outputName: "out", upsample: "logits" });
    j.deeplab = {};
    expect(adapterOptionsOf(parseManifest(j, "d.json"))).toEqual({ outputName: "out", upsample: "auto" });
    j.deeplab = { upsample: "bicubic" };
    expect(errorOf(() => parseManifest(j, "d.json")).message).toContain("deeplab.upsample");
    j.deeplab = { upsampel: "logits" };
    expect(errorOf(() => parseManifest(j, "d.json")).message).toContain(
      'deeplab.upsampel: unknown key "upsampel" (did you mean "upsample"?)',
    );
    Object.assign(j, {
      task: "instance",
      adapter: "yolact",
      outputs: { loc: "loc", conf: "conf", mask: "mask", proto: "proto" },
      deeplab: { upsample: "logits" },
    });
    expect(errorOf(() => parseManifest(j, "y.json")).message).toContain(
      '"deeplab" section given for adapter "yolact"',
    );
  });

  it("maps yolact thresholds and output names", () => {
    const j = tinyJson();
    Object.assign(j, {
      task: "instance",
      adapter: "yolact",
      outputs: { loc: "loc", conf: "conf", mask: "mask", proto: "proto" },
      thresholds: { score: 0.3, nmsIou: 0.5, topK: 200, maxDetections: 100, mask: 0.5 },
      yolact: {
        confActivation: "softmax",
        priors: { scales: [[24], [48]], aspectRatios: [1, 0.5, 2], squareAnchors: true },
      },
    });
    const m = parseManifest(j, "y.json");
    const o = adapterOptionsOf(m);
    expect(o).toMatchObject({
      scoreThreshold: 0.3,
      confActivation: "softmax",
      protoLayout: "auto",
      outputNames: { proto: "proto" },
    });
  });
});

describe("resolveModel", () => {
  it("resolves bundled names, .onnx and .json paths", () => {
    expect(bundledModelNames(FIX)).toContain("engine_seg_tiny");
    const byName = resolveModel("engine_seg_tiny", FIX);
    expect(byName.onnxPath).toBe(join(FIX, "engine_seg_tiny.onnx"));
    expect(resolveModel(join(FIX, "engine_seg_tiny.json"), "/nonexistent").manifest.name).toBe(
      "engine_seg_tiny",
    );
    expect(resolveModel(join(FIX, "engine_seg_tiny.onnx"), "/nonexistent").manifestPath).toBe(
      byName.manifestPath,
    );
  });

  it("unknown name → InputError with suggestion", () => {
    const err = errorOf(() => resolveModel("engine_seg_tiyn", FIX));
    expect(err.message).toContain('did you mean "engine_seg_tiny"?');
  });

  it("bare .onnx without manifest → InputError listing the needed fields", () => {
    const dir = mkdtempSync(join(tmpdir(), "segstream-bare-"));
    const onnx = join(dir, "bare.onnx");
    copyFileSync(join(FIX, "engine_seg_tiny.onnx"), onnx);
    const err = errorOf(() => resolveModel(onnx, FIX));
    expect(err.input).toBe(onnx);
    expect(err.message).toContain(`expected ${join(dir, "bare.json")}`);
    for (const f of [
      "name",
      "task",
      "adapter",
      "input {name, width, height",
      "mean[3], std[3], scale",
      "outputs",
      "labels",
      "provenance",
    ]) {
      expect(err.message).toContain(f);
    }
  });

  it("invalid JSON manifest names the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "segstream-badjson-"));
    copyFileSync(join(FIX, "engine_seg_tiny.onnx"), join(dir, "m.onnx"));
    writeFileSync(join(dir, "m.json"), "{ not json");
    expect(errorOf(() => resolveModel(join(dir, "m.onnx"), FIX)).message).toContain("not valid JSON");
  });
});

describe("checkModelIo (expected vs found)", () => {
  const io: SessionIo = {
    inputNames: ["input"],
    outputNames: ["out"],
    inputMetadata: [{ name: "input", isTensor: true, type: "float32", shape: [1, 3, 32, 64] }],
    outputMetadata: [{ name: "out", isTensor: true, type: "float32", shape: [1, 19, 32, 64] }],
  };
  const model = () => ({ onnxPath: "x.onnx", manifest: parseManifest(tinyJson(), "x.json") });

  it("accepts a matching session and symbolic dims", () => {
    expect(() => checkModelIo(model(), io)).not.toThrow();
    const dyn = {
      ...io,
      inputMetadata: [{ name: "input", isTensor: true as const, type: "float32", shape: [1, 3, "h", "w"] }],
    };
    expect(() => checkModelIo(model(), dyn)).not.toThrow();
  });

  it("reports wrong input size", () => {
    const m = model();
    const bad = { ...m, manifest: { ...m.manifest, input: { ...m.manifest.input, width: 640 } } };
    const err = errorOf(() => checkModelIo(bad, io));
    expect(err.message).toContain("expected float32[1,3,32,640]");
    expect(err.message).toContain("found float32[1,3,32,64]");
  });

  it("reports wrong tensor names", () => {
    const m = model();
    const bad = {
      ...m,
      manifest: {
        ...m.manifest,
        input: { ...m.manifest.input, name: "images" },
        outputs: { logits: "outt" },
      },
    };
    const err = errorOf(() => checkModelIo(bad, io));
    expect(err.message).toContain('expected "images" float32[1,3,32,64]; found "input" float32[1,3,32,64]');
    expect(err.message).toContain(
      'output role "logits": expected tensor "outt"; found outputs "out" float32[1,19,32,64] (did you mean "out"?)',
    );
  });
});
