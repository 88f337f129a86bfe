import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodePng } from "../../../src/frames/codec.js";
import { makeFrame } from "../../../src/frames/frame.js";
import { InputError } from "../../../src/frames/problem.js";
import { makeResult } from "../../../src/inference/result.js";
import { PredictionWriter } from "../../../src/sinks/predictions.js";
import type { Output } from "../../../src/sinks/sink.js";

const root = mkdtempSync(join(tmpdir(), "segstream-pred-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function output(id: number): Output {
  const frame = makeFrame({
    id,
    stampNs: BigInt(id),
    sourceId: "cam",
    width: 4,
    height: 2,
    encoding: "mono8",
    data: new Uint8Array(8),
    meta: { stem: `city_000000_${String(id).padStart(6, "0")}` },
  });
  const result = makeResult({
    frameId: id,
    sourceId: "cam",
    stampNs: BigInt(id),
    width: 4,
    height: 2,
    semantic: { width: 4, height: 2, classIds: new Uint8Array([7, 7, 8, 8, 11, 11, 26, 26]) },
  });
  return { frame, result };
}

describe("PredictionWriter", () => {
  it("writes a frame's three files, and makes its directory again if it goes away mid-run", async () => {
    const dir = join(root, "run", "pred");
    const w = await PredictionWriter.open(dir);
    await w.write(output(0));
    rmSync(join(root, "run"), { recursive: true, force: true });
    await w.write(output(1));
    const files = readdirSync(join(dir, "city")).sort();
    expect(files).toEqual([
      "city_000000_000001_pred_instanceIds.png",
      "city_000000_000001_pred_instances.json",
      "city_000000_000001_pred_labelIds.png",
    ]);
    const labelPath = join(dir, "city", files[2]!);
    const labels = await decodePng(new Uint8Array(readFileSync(labelPath)), labelPath, "mono8");
    expect(Array.from(labels.data)).toEqual([7, 7, 8, 8, 11, 11, 26, 26]);
    expect(w.framesWritten).toBe(2);
  });

  it("open() refuses a directory it cannot make, naming it", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    const e = await PredictionWriter.open(join(file, "pred")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toContain(
      `--pred-dir ${join(file, "pred")}: cannot write predictions there (ENOTDIR`,
    );
    expect(existsSync(join(file, "pred"))).toBe(false);
  });
});
