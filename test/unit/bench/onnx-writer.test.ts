import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { extendOnnx, writeOnnx } from "../../../bench/onnx-writer.js";

describe("bench/onnx-writer", () => {
  it("writes a model onnxruntime loads and runs with the designed arithmetic", async () => {
    // y = Conv(x, w = [[1,2],[3,4]] 2×2 kernel, bias 0.5, stride 1, pad 0) → Reshape [1,4] → + 1
    const bytes = writeOnnx({
      name: "t",
      nodes: [
        {
          op: "Conv",
          inputs: ["x", "w", "b"],
          outputs: ["c"],
          attrs: { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0] },
        },
        { op: "Reshape", inputs: ["c", "shape"], outputs: ["r"] },
        { op: "LeakyRelu", inputs: ["r"], outputs: ["l"], attrs: { alpha: 0.25 }, floatAttrs: ["alpha"] },
        { op: "Add", inputs: ["l", "one"], outputs: ["y"] },
      ],
      inits: [
        { name: "w", dims: [1, 1, 2, 2], data: Float32Array.of(1, 2, 3, 4) },
        { name: "b", dims: [1], data: Float32Array.of(0.5) },
        { name: "shape", dims: [2], data: BigInt64Array.of(1n, 4n) },
        { name: "one", dims: [1], data: Float32Array.of(1) },
      ],
      inputs: [{ name: "x", dims: [1, 1, 3, 3] }],
      outputs: [{ name: "y", dims: [1, 4] }],
    });
    const s = await ort.InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(["x"]);
    expect(s.outputNames).toEqual(["y"]);
    const x = Float32Array.of(1, 0, -1, 0, 1, 0, -1, 0, -2);
    const { y } = await s.run({ x: new ort.Tensor("float32", x, [1, 1, 3, 3]) });
    // windows: [1,0;0,1] → 1+4 = 5; [0,-1;1,0] → -2+3 = 1; [0,1;-1,0] → 2-3 = -1; [1,0;0,-2] → 1-8 = -7
    const conv = [5, 1, -1, -7].map((v) => v + 0.5);
    expect(y!.dims).toEqual([1, 4]);
    expect(Array.from(y!.data as Float32Array)).toEqual(conv.map((v) => (v > 0 ? v : 0.25 * v) + 1));
    await s.release();
  });

  it("extends a model: appended nodes and outputs run beside the original ones", async () => {
    const base = writeOnnx({
      name: "t",
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
      inits: [],
      inputs: [{ name: "x", dims: [1, 1, 2, 2] }],
      outputs: [{ name: "y", dims: [1, 1, 2, 2] }],
    });
    const ext = extendOnnx(base, {
      nodes: [
        {
          op: "Resize",
          inputs: ["y", "", "", "sizes"],
          outputs: ["z"],
          attrs: { mode: "linear", coordinate_transformation_mode: "align_corners" },
        },
      ],
      inits: [{ name: "sizes", dims: [4], data: BigInt64Array.of(1n, 1n, 3n, 3n) }],
      outputs: [{ name: "z", dims: [1, 1, 3, 3] }],
    });
    const s = await ort.InferenceSession.create(ext);
    expect(s.outputNames).toEqual(["y", "z"]);
    const { y, z } = await s.run({
      x: new ort.Tensor("float32", Float32Array.of(-1, 2, 4, 6), [1, 1, 2, 2]),
    });
    expect(Array.from(y!.data as Float32Array)).toEqual([0, 2, 4, 6]);
    // align_corners: corners kept, midpoints averaged
    expect(Array.from(z!.data as Float32Array)).toEqual([0, 1, 2, 2, 3, 4, 4, 5, 6]);
    await s.release();
  });

  it("rejects values protobuf varints here cannot hold", () => {
    expect(() =>
      writeOnnx({
        name: "t",
        nodes: [],
        inits: [],
        inputs: [{ name: "x", dims: [-1] }],
        outputs: [],
      }),
    ).toThrow(new RangeError("onnx-writer: varint -1 is not a safe integer ≥ 0"));
  });
});
