/**
 * The bundled YOLACT through the engine's worker, where ORT writes the prototypes straight into
 * the SIMD mask kernel's memory (a preallocated output), against preprocess → run → decode in
 * this thread (prototypes copied into the kernel), and against the plain-JS dot products.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { decodeRle } from "../../../src/frames/rle.js";
import { makeFrame, type Frame } from "../../../src/frames/frame.js";
import { adapterOptionsOf, labelMapOf } from "../../../src/inference/adapter-options.js";
import { decodeYolact } from "../../../src/inference/adapters/index.js";
import { useProtoDotSimd } from "../../../src/inference/adapters/proto-masks.js";
import { defaultModelsDir, resolveModel } from "../../../src/inference/model.js";
import { InferenceEngine } from "../../../src/inference/pool.js";
import { Preprocessor } from "../../../src/inference/preprocess.js";
import type { RleMask, SegmentationResult } from "../../../src/inference/result.js";
import { toOutputs } from "../../../src/inference/session.js";
import { SynthSequence, sequenceSeed } from "../../../src/synth/index.js";

const model = resolveModel("yolact-synth", defaultModelsDir());
const W = 1024;
const H = 512;
const seq = new SynthSequence({ seed: sequenceSeed(9001, 3), width: W, height: H, fps: 17, frames: 3 });
const frames: Frame[] = [0, 2].map((id) =>
  makeFrame({
    id,
    stampNs: BigInt(id) * 58_823_529n,
    sourceId: "t",
    width: W,
    height: H,
    encoding: "rgb8",
    data: seq.render(id).rgb.slice(),
  }),
);

let engine: InferenceEngine | undefined;
let session: ort.InferenceSession | undefined;
afterAll(async () => {
  await engine?.dispose();
  await session?.release();
  useProtoDotSimd(true);
});

async function direct(f: Frame): Promise<SegmentationResult> {
  const m = model.manifest;
  session ??= await ort.InferenceSession.create(model.onnxPath, { intraOpNumThreads: 1 });
  const pre = new Preprocessor(m.input);
  const geometry = pre.run(f);
  const input = new ort.Tensor("float32", pre.tensor, [1, 3, m.input.height, m.input.width]);
  const outputs = toOutputs(await session.run({ [m.input.name]: input }));
  const ctx = { geometry, labels: labelMapOf(m), frameId: f.id, sourceId: f.sourceId, stampNs: f.stampNs };
  return decodeYolact(outputs, ctx, adapterOptionsOf(m as typeof m & { adapter: "yolact" }));
}

function iou(a: RleMask, b: RleMask): number {
  const x = decodeRle(a);
  const y = decodeRle(b);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < x.length; i++) {
    inter += x[i]! & y[i]!;
    union += x[i]! | y[i]!;
  }
  return union === 0 ? 1 : inter / union;
}

describe("bundled YOLACT in the worker (prototypes written into the mask kernel's memory)", () => {
  it("equals decoding in this thread with the SIMD kernel, and the plain-JS dot products to IoU ≥ 0.999", async () => {
    engine = await InferenceEngine.create({ model, providers: ["cpu"], intraOpThreads: 1 });
    let masks = 0;
    for (const f of frames) {
      const viaWorker = (await engine.infer(f)).instances!;
      useProtoDotSimd(true);
      const simd = (await direct(f)).instances!;
      useProtoDotSimd(false);
      const js = (await direct(f)).instances!;
      useProtoDotSimd(true);
      expect(viaWorker.count).toBeGreaterThan(3);
      expect(viaWorker.count).toBe(simd.count);
      expect(Array.from(viaWorker.classIds)).toEqual(Array.from(simd.classIds));
      expect(Array.from(viaWorker.boxes)).toEqual(Array.from(simd.boxes));
      for (let i = 0; i < viaWorker.count; i++) {
        expect(Array.from(viaWorker.masks[i]!.counts), `frame ${f.id} mask ${i}`).toEqual(
          Array.from(simd.masks[i]!.counts),
        );
        expect(
          iou(js.masks[i]!, simd.masks[i]!),
          `frame ${f.id} mask ${i}, JS vs SIMD`,
        ).toBeGreaterThanOrEqual(0.999);
        masks++;
      }
    }
    expect(masks).toBeGreaterThan(8);
  });
});
