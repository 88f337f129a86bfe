/** Test helper: runs a fixture ONNX model on a zero input with real onnxruntime-node. */
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import type { Outputs } from "../../../src/inference/adapters/index.js";

export const MODELS = fileURLToPath(new URL("../../fixtures/models/", import.meta.url));

export async function runFixture(file: string): Promise<Outputs> {
  const session = await ort.InferenceSession.create(MODELS + file);
  try {
    const name = session.inputNames[0]!;
    const meta = session.inputMetadata[0];
    const shape =
      meta !== undefined && meta.isTensor ? meta.shape.map((d) => (typeof d === "number" ? d : 1)) : [];
    const size = shape.reduce((a, b) => a * b, 1);
    const res = await session.run({ [name]: new ort.Tensor("float32", new Float32Array(size), shape) });
    const out: Record<string, { dims: readonly number[]; data: Float32Array }> = {};
    for (const n of session.outputNames) {
      const t = res[n]!;
      if (!(t.data instanceof Float32Array)) throw new TypeError(`${file}: output ${n} is not float32`);
      out[n] = { dims: [...t.dims], data: t.data };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** PyTorch bilinear (align_corners=False) source index for destination pixel `d`. */
export function torchSrc(d: number, inSize: number, outSize: number): [number, number, number] {
  const s = Math.max((d + 0.5) * (inSize / outSize) - 0.5, 0);
  const i0 = Math.min(Math.floor(s), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return [i0, i1, i0 === inSize - 1 ? 0 : s - i0];
}

/** IoU of two 0/1 masks. */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let p = 0; p < a.length; p++) {
    if (a[p] && b[p]) i++;
    if (a[p] || b[p]) u++;
  }
  return u === 0 ? 1 : i / u;
}
