import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/frames/problem.js";
import { resolveModel } from "../../../src/inference/model.js";
import { openSession } from "../../../src/inference/session.js";

const FIX = join(import.meta.dirname, "..", "..", "fixtures", "models");

/** A copy of the tiny fixture with its manifest edited. */
function editedModel(edit: (m: Record<string, Record<string, unknown>>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "segstream-model-"));
  copyFileSync(join(FIX, "engine_seg_tiny.onnx"), join(dir, "m.onnx"));
  const m = JSON.parse(readFileSync(join(FIX, "engine_seg_tiny.json"), "utf8")) as Record<
    string,
    Record<string, unknown>
  >;
  edit(m);
  writeFileSync(join(dir, "m.json"), JSON.stringify(m));
  return join(dir, "m.onnx");
}

describe("openSession (real onnxruntime-node, CPU machine)", () => {
  it("[tensorrt, cuda, cpu] → cpu, with the reason each GPU provider was skipped", async () => {
    const s = await openSession(resolveModel("engine_seg_tiny", FIX), {
      providers: ["tensorrt", "cuda", "cpu"],
      intraOpThreads: 1,
    });
    expect(s.provider).toBe("cpu");
    expect(s.attempts.map((a) => [a.provider, a.ok])).toEqual([
      ["tensorrt", false],
      ["cuda", false],
      ["cpu", true],
    ]);
    expect(s.attempts[0]!.reason).toMatch(/tensorrt/);
    expect(s.attempts[1]!.reason).toMatch(/cuda/);
    await s.session.release();
  });

  it("[cuda] alone → InputError with the GPU install hint", async () => {
    const err = await openSession(resolveModel("engine_seg_tiny", FIX), { providers: ["cuda"] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).hint).toContain(
      "ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node",
    );
  });

  it.each([
    ["random bytes", (b: Buffer) => Buffer.from(b.map((_, i) => (i * 7919) % 251))],
    ["cut short", (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
  ])("an ONNX file that is %s → InputError naming the file, not the providers", async (_, damage) => {
    const path = editedModel(() => undefined);
    writeFileSync(path, damage(readFileSync(path)));
    const err = await openSession(resolveModel(path, FIX), { providers: ["tensorrt", "cuda", "cpu"] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot load the model \\(`),
    );
    expect((err as Error).message).not.toContain("no usable execution provider");
    expect((err as InputError).hint).toContain("complete ONNX file");
  });

  it("manifest output name that the model lacks → expected vs found", async () => {
    const path = editedModel((m) => {
      m.outputs = { logits: "logits" };
    });
    const err = await openSession(resolveModel(path, FIX), { providers: ["cpu"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(
      'output role "logits": expected tensor "logits"; found outputs "out" float32[1,19,32,64]',
    );
  });

  it("wrong input size in the manifest → expected vs found", async () => {
    const path = editedModel((m) => {
      m.input!.width = 512;
      m.input!.height = 256;
    });
    const err = await openSession(resolveModel(path, FIX), { providers: ["cpu"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain("expected float32[1,3,256,512]");
    expect((err as Error).message).toContain("found float32[1,3,32,64]");
  });

  it("wrong input name → expected vs found", async () => {
    const path = editedModel((m) => {
      m.input!.name = "images";
    });
    const err = await openSession(resolveModel(path, FIX), { providers: ["cpu"] }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(
      'input: expected "images" float32[1,3,32,64]; found "input" float32[1,3,32,64]',
    );
  });
});
