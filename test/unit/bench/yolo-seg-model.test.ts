import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { YOLO_BENCH_LABELS, yoloSegBenchModel } from "../../../bench/yolo-seg-model.js";
import { decodeYoloSeg, type Outputs } from "../../../src/inference/adapters/index.js";

describe("bench/yolo-seg-model (the inference bench's YOLOv8n-seg-sized model)", () => {
  it("runs in ORT with the Ultralytics layout and decodes to the planted objects, duplicates suppressed", async () => {
    const objects = 12;
    const s = await ort.InferenceSession.create(yoloSegBenchModel(objects));
    expect(s.inputNames).toEqual(["images"]);
    expect(s.outputNames).toEqual(["output0", "output1"]);
    const x = new ort.Tensor("float32", new Float32Array(3 * 640 * 640).fill(0.5), [1, 3, 640, 640]);
    const out = await s.run({ images: x });
    await s.release();
    const o0 = out.output0!;
    const o1 = out.output1!;
    expect(o0.dims).toEqual([1, 4 + 80 + 32, 8400]);
    expect(o1.dims).toEqual([1, 32, 160, 160]);
    const outputs: Outputs = {
      output0: { dims: o0.dims, data: o0.data as Float32Array },
      output1: { dims: o1.dims, data: o1.data as Float32Array },
    };
    // A 1024×512 frame letterboxed into 640×640: scale 0.625, 160 px of padding above and below.
    const toLabelId = Array.from({ length: 80 }, () => -1);
    for (const l of YOLO_BENCH_LABELS) toLabelId[l.index] = l.labelId;
    const r = decodeYoloSeg(
      outputs,
      {
        geometry: {
          netWidth: 640,
          netHeight: 640,
          frameWidth: 1024,
          frameHeight: 512,
          resize: "letterbox",
          scale: 0.625,
          padX: 0,
          padY: 160,
        },
        labels: { toLabelId },
        frameId: 0,
        sourceId: "bench",
        stampNs: 0n,
      },
      { scoreThreshold: 0.25, nmsIou: 0.7, maxDetections: 300 },
    );
    const inst = r.instances!;
    // Three anchors per object (the original and two near-duplicates): NMS keeps one each.
    expect(inst.count).toBe(objects);
    const mapped = new Set(YOLO_BENCH_LABELS.map((l) => l.labelId));
    for (let i = 0; i < inst.count; i++) {
      expect(mapped.has(inst.classIds[i]!)).toBe(true);
      expect(inst.scores[i]).toBeGreaterThanOrEqual(0.35);
      const [x1, y1, x2, y2] = [0, 1, 2, 3].map((k) => inst.boxes[4 * i + k]!) as [
        number,
        number,
        number,
        number,
      ];
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(1024);
      expect(y2).toBeLessThanOrEqual(512);
      expect(x2 - x1).toBeGreaterThan(8 / 0.625 - 1);
      expect(inst.masks[i]!.counts.length).toBeGreaterThan(1); // a mask with on and off runs
    }
  });
});
