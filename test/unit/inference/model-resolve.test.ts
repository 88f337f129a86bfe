import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/frames/problem.js";
import { defaultModelsDir, resolveModel } from "../../../src/inference/model.js";

const dir = mkdtempSync(join(tmpdir(), "segstream-model-resolve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("resolveModel", () => {
  it("resolves a bundled name to its ONNX and manifest", () => {
    const m = resolveModel("deeplab-synth", defaultModelsDir());
    expect(m.name).toBe("deeplab-synth");
    expect(m.onnxPath).toBe(join(defaultModelsDir(), "deeplab-synth.onnx"));
    expect(m.manifestPath).toBe(join(defaultModelsDir(), "deeplab-synth.json"));
  });

  it("suggests the bundled name a typo was meant to be", () => {
    const e = errorOf(() => resolveModel("deeplab-synt", defaultModelsDir()));
    expect(e.message).toMatch(/^deeplab-synt: no such model/);
    expect(e.message).toContain('did you mean "deeplab-synth"');
  });

  it("names a path to a file that is not a model as such", () => {
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "hello");
    const e = errorOf(() => resolveModel(notes, defaultModelsDir()));
    expect(e.message).toContain(`${notes}: not a model: expected a .onnx file`);
    expect(e.message).toContain("got a .txt file");
    const bare = join(dir, "passwd");
    writeFileSync(bare, "root:x:0:0");
    expect(errorOf(() => resolveModel(bare, defaultModelsDir())).message).toContain(
      "got a file without an extension",
    );
  });

  it("says which files a missing stem was looked for as", () => {
    const e = errorOf(() => resolveModel(join(dir, "nothing-here"), defaultModelsDir()));
    expect(e.message).toContain("no such model: neither nothing-here.onnx nor nothing-here.json in");
  });

  it("asks for the ONNX beside a manifest, and for the manifest beside an ONNX", () => {
    copyFileSync(join(defaultModelsDir(), "deeplab-synth.json"), join(dir, "lonely.json"));
    const noOnnx = errorOf(() => resolveModel(join(dir, "lonely.json"), defaultModelsDir()));
    expect(noOnnx.message).toContain(`${join(dir, "lonely.onnx")}: model file not found`);
    expect(noOnnx.message).toContain("the manifest lonely.json needs its ONNX beside it");
    const missing = errorOf(() => resolveModel(join(dir, "absent.onnx"), defaultModelsDir()));
    expect(missing.message).toContain(`${join(dir, "absent.onnx")}: model file not found`);
    expect(missing.message).not.toContain("needs its ONNX");
    writeFileSync(join(dir, "bare.onnx"), "not really");
    const noManifest = errorOf(() => resolveModel(join(dir, "bare.onnx"), defaultModelsDir()));
    expect(noManifest.message).toContain("no model manifest: expected");
  });
});
