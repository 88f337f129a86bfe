import { beforeAll, describe, expect, it } from "vitest";
import { decodeRle } from "../../../src/frames/rle.js";
import {
  decode,
  decodeYoloSeg,
  type AdapterContext,
  type Outputs,
} from "../../../src/inference/adapters/index.js";
import { maskIou, runFixture, torchSrc } from "./ort-fixture.js";

// Mirrors YOLO_DETS in make_adapter_fixtures.py (boxes in letterboxed 64×64 network pixels).
const P = { anchor: 10, label: 24, score: 0.9, box: [8, 20, 28, 44] };
const Q = { anchor: 30, label: 26, score: 0.75, box: [34, 18, 60, 40] };
const R = { anchor: 40, label: 33, score: 0.5, box: [12, 24, 30, 46] };
const W = 128;
const H = 64;
const SCALE = 0.5;
const PAD_Y = 16; // 128×64 → 64×32 content, centred in 64×64
const NC = 3;
const NM = 32;
const A = 84;

const ctx: AdapterContext = {
  geometry: {
    netWidth: 64,
    netHeight: 64,
    frameWidth: W,
    frameHeight: H,
    resize: "letterbox",
    scale: SCALE,
    padX: 0,
    padY: PAD_Y,
  },
  labels: { toLabelId: [24, 26, 33] },
  frameId: 1,
  sourceId: "cam",
  stampNs: 9n,
};

/** sigmoid(c·protos) at proto resolution, zero outside the box crop (box × 16/64, no pad). */
function croppedProto(o: Outputs, anchor: number, box: number[]): Float64Array {
  const out0 = o.output0!.data;
  const protos = o.output1!.data;
  const m = new Float64Array(16 * 16);
  const [x1, y1, x2, y2] = box.map((v) => v / 4) as [number, number, number, number];
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      let s = 0;
      for (let k = 0; k < NM; k++) s += out0[(4 + NC + k) * A + anchor]! * protos[k * 256 + y * 16 + x]!;
      m[y * 16 + x] = x >= x1 && x < x2 && y >= y1 && y < y2 ? 1 / (1 + Math.exp(-s)) : 0;
    }
  }
  return m;
}

function bilinear(m: Float64Array, sx: number, sy: number): number {
  const c0 = Math.floor(sx);
  const r0 = Math.floor(sy);
  const c1 = Math.min(c0 + 1, 15);
  const r1 = Math.min(r0 + 1, 15);
  const wx = sx - c0;
  const wy = sy - r0;
  return (
    (1 - wy) * ((1 - wx) * m[r0 * 16 + c0]! + wx * m[r0 * 16 + c1]!) +
    wy * ((1 - wx) * m[r1 * 16 + c0]! + wx * m[r1 * 16 + c1]!)
  );
}

/** Reference 1: each frame pixel centre mapped through the letterbox straight into the prototypes. */
function directMask(o: Outputs, anchor: number, box: number[]): Uint8Array {
  const m = croppedProto(o, anchor, box);
  const out = new Uint8Array(W * H);
  for (let fy = 0; fy < H; fy++) {
    for (let fx = 0; fx < W; fx++) {
      const sx = Math.min(Math.max(((fx + 0.5) * SCALE) / 4 - 0.5, 0), 15);
      const sy = Math.min(Math.max(((fy + 0.5) * SCALE + PAD_Y) / 4 - 0.5, 0), 15);
      out[fy * W + fx] = bilinear(m, sx, sy) > 0.5 ? 1 : 0;
    }
  }
  return out;
}

/** Reference 2: Ultralytics process_mask — upsample to 64×64, > 0.5, then strip the pad and resize (nearest). */
function ultralyticsMask(o: Outputs, anchor: number, box: number[]): Uint8Array {
  const m = croppedProto(o, anchor, box);
  const net = new Uint8Array(64 * 64);
  for (let y = 0; y < 64; y++) {
    const [r0, r1, wy] = torchSrc(y, 16, 64);
    for (let x = 0; x < 64; x++) {
      const [c0, , wx] = torchSrc(x, 16, 64);
      net[y * 64 + x] = bilinear(m, c0 + wx, r0 + (r1 === r0 ? 0 : wy)) > 0.5 ? 1 : 0;
    }
  }
  const out = new Uint8Array(W * H);
  for (let fy = 0; fy < H; fy++) {
    for (let fx = 0; fx < W; fx++) {
      out[fy * W + fx] = net[Math.floor((fy + 0.5) * SCALE + PAD_Y) * 64 + Math.floor((fx + 0.5) * SCALE)]!;
    }
  }
  return out;
}

describe("yolo-seg adapter on real ORT outputs", () => {
  let outputs: Outputs;
  beforeAll(async () => {
    outputs = await runFixture("yolo_seg.onnx");
  });

  it("has the Ultralytics layout", () => {
    expect(outputs.output0!.dims).toEqual([1, 4 + NC + NM, A]);
    expect(outputs.output1!.dims).toEqual([1, NM, 16, 16]);
  });

  it("boxes, classes, scores and masks with the letterbox undone; duplicate suppressed, low score dropped", () => {
    const r = decode("yolo-seg", outputs, ctx, {});
    const inst = r.instances!;
    expect(inst.count).toBe(3);
    [P, Q, R].forEach((d, i) => {
      expect(inst.classIds[i]).toBe(d.label);
      expect(inst.scores[i]).toBeCloseTo(d.score, 5);
      const want = [
        d.box[0]! / SCALE,
        (d.box[1]! - PAD_Y) / SCALE,
        d.box[2]! / SCALE,
        (d.box[3]! - PAD_Y) / SCALE,
      ];
      for (let k = 0; k < 4; k++)
        expect(Math.abs(inst.boxes[4 * i + k]! - want[k]!)).toBeLessThanOrEqual(0.5);
      const got = decodeRle(inst.masks[i]!);
      expect(maskIou(got, directMask(outputs, d.anchor, d.box))).toBeGreaterThanOrEqual(0.99);
      expect(maskIou(got, ultralyticsMask(outputs, d.anchor, d.box))).toBeGreaterThanOrEqual(0.95);
    });
    // R's prototype is all-on: its mask is its (letterbox-undone) box
    const rMask = decodeRle(inst.masks[2]!);
    expect(rMask[(16 + 5) * W + 24 + 5]).toBe(1);
    expect(rMask[(16 - 1) * W + 24 + 5]).toBe(0);
  });

  it("computes the letterbox pad when omitted; thresholds and caps apply", () => {
    const { scale: _s, padX: _x, padY: _y, ...rest } = ctx.geometry;
    const auto = decodeYoloSeg(outputs, { ...ctx, geometry: rest });
    const given = decodeYoloSeg(outputs, ctx);
    expect([...auto.instances!.boxes]).toEqual([...given.instances!.boxes]);
    expect(decodeYoloSeg(outputs, ctx, { scoreThreshold: 0.1 }).instances!.count).toBe(4);
    expect(decodeYoloSeg(outputs, ctx, { nmsIou: 0.9 }).instances!.count).toBe(4); // duplicate survives
    expect(decodeYoloSeg(outputs, ctx, { maxDetections: 1 }).instances!.count).toBe(1);
    // unmapped class (car) is dropped
    const noCar = decodeYoloSeg(outputs, { ...ctx, labels: { toLabelId: [24, -1, 33] } });
    expect([...noCar.instances!.classIds]).toEqual([24, 33]);
  });

  it("detections: the low-score survivor too, down to detectionsMinScore; instances unchanged", () => {
    const plain = decodeYoloSeg(outputs, ctx);
    expect(plain.detections).toBeUndefined();
    const r = decodeYoloSeg(outputs, ctx, { detections: true, detectionsMinScore: 0.1 });
    expect([...r.instances!.scores]).toEqual([...plain.instances!.scores]);
    expect([...r.instances!.boxes]).toEqual([...plain.instances!.boxes]);
    const d = r.detections!;
    // The fixture's fourth (low-score) detection, the one scoreThreshold 0.1 also shows.
    const low = decodeYoloSeg(outputs, ctx, { scoreThreshold: 0.1 }).instances!;
    expect(d.count).toBe(4);
    expect([...d.scores]).toEqual([...low.scores]);
    expect([...d.classIds]).toEqual([...low.classIds]);
    for (let i = 1; i < d.count; i++) expect(d.scores[i]).toBeLessThanOrEqual(d.scores[i - 1]!);
    // Above the low one's score it is left out again.
    const cut = decodeYoloSeg(outputs, ctx, {
      detections: true,
      detectionsMinScore: low.scores[3]! + 0.01,
    });
    expect(cut.detections!.count).toBe(3);
  });

  it("names a class-count mismatch", () => {
    expect(() => decodeYoloSeg(outputs, ctx, { numClasses: 80 })).toThrow(
      "yolo-seg: output0 has 39 rows = 4 + classes + 32 coefficients gives 3 classes, expected 80",
    );
  });
});
