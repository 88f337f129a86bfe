import { beforeAll, describe, expect, it } from "vitest";
import { decodeRle } from "../../../src/frames/rle.js";
import {
  decode,
  decodeYolact,
  fastNms,
  fpnFeatureSizes,
  makeYolactPriors,
  type AdapterContext,
  type Outputs,
  type YolactOptions,
} from "../../../src/inference/adapters/index.js";
import type { Instances, SegmentationResult } from "../../../src/inference/result.js";
import { maskIou, runFixture, torchSrc } from "./ort-fixture.js";

// Mirrors YOLACT_DETS in make_adapter_fixtures.py: prior, fg class, score, normalised box.
const FG_TO_LABEL = [24, 25, 26, 27, 28, 31, 32, 33]; // person rider car truck bus train motorcycle bicycle
const A = { prior: 10, label: 24, score: 0.9, box: [0.1, 0.15, 0.45, 0.7] };
const B = { prior: 70, label: 26, score: 0.85, box: [0.51, 0.3, 0.92, 0.8] };
const X = { prior: 160, label: 27, score: 0.7, box: [0.55, 0.02, 0.74, 0.22] };
const C = { prior: 100, label: 33, score: 0.6, box: [0.15, 0.2, 0.4, 0.65] };
const D = { prior: 130, label: 26, score: 0.2, box: [0.05, 0.76, 0.3, 0.95] };
const W = 200;
const H = 120;
const PRIORS: YolactOptions["priors"] = {
  scales: [[16], [32]],
  aspectRatios: [1, 0.5, 2],
  squareAnchors: true,
};

const ctx: AdapterContext = {
  geometry: { netWidth: 64, netHeight: 64, frameWidth: W, frameHeight: H, resize: "stretch" },
  labels: { toLabelId: FG_TO_LABEL },
  frameId: 3,
  sourceId: "front",
  stampNs: 5n,
};

/** Independent reference: full sigmoid(P·c), crop (1-px pad), full-frame torch bilinear, > 0.5. */
function referenceMask(outputs: Outputs, prior: number, box: number[]): Uint8Array {
  const proto = outputs.proto!;
  const nhwc = proto.dims[proto.dims.length - 1] === 4;
  const [ph, pw] = nhwc ? proto.dims.slice(-3, -1) : proto.dims.slice(-2);
  const coef = outputs.mask!.data.subarray(prior * 4, prior * 4 + 4);
  const at = (y: number, x: number, k: number): number =>
    nhwc ? proto.data[(y * pw! + x) * 4 + k]! : proto.data[k * ph! * pw! + y * pw! + x]!;
  const x1 = Math.max(box[0]! * pw! - 1, 0);
  const x2 = Math.min(box[2]! * pw! + 1, pw!);
  const y1 = Math.max(box[1]! * ph! - 1, 0);
  const y2 = Math.min(box[3]! * ph! + 1, ph!);
  const m = new Float64Array(ph! * pw!);
  for (let y = 0; y < ph!; y++) {
    for (let x = 0; x < pw!; x++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += at(y, x, k) * coef[k]!;
      m[y * pw! + x] = x >= x1 && x < x2 && y >= y1 && y < y2 ? 1 / (1 + Math.exp(-s)) : 0;
    }
  }
  const out = new Uint8Array(W * H);
  for (let fy = 0; fy < H; fy++) {
    const [r0, r1, wy] = torchSrc(fy, ph!, H);
    for (let fx = 0; fx < W; fx++) {
      const [c0, c1, wx] = torchSrc(fx, pw!, W);
      const v =
        (1 - wy) * ((1 - wx) * m[r0 * pw! + c0]! + wx * m[r0 * pw! + c1]!) +
        wy * ((1 - wx) * m[r1 * pw! + c0]! + wx * m[r1 * pw! + c1]!);
      out[fy * W + fx] = v > 0.5 ? 1 : 0;
    }
  }
  return out;
}

function expectDetections(
  r: SegmentationResult,
  outputs: Outputs,
  dets: (typeof A)[],
  inst: Instances = r.instances!,
): void {
  expect(inst.count).toBe(dets.length);
  dets.forEach((d, i) => {
    expect(inst.classIds[i]).toBe(d.label);
    expect(inst.scores[i]).toBeCloseTo(d.score, 5);
    const want = [d.box[0]! * W, d.box[1]! * H, d.box[2]! * W, d.box[3]! * H];
    for (let k = 0; k < 4; k++) expect(Math.abs(inst.boxes[4 * i + k]! - want[k]!)).toBeLessThanOrEqual(0.5);
    const iou = maskIou(decodeRle(inst.masks[i]!), referenceMask(outputs, d.prior, d.box));
    expect(iou).toBeGreaterThanOrEqual(0.99);
  });
}

describe("yolact adapter on real ORT outputs", () => {
  let softmaxNhwc: Outputs;
  let logitsNchw: Outputs;
  beforeAll(async () => {
    softmaxNhwc = await runFixture("yolact_softmax_nhwc.onnx");
    logitsNchw = await runFixture("yolact_logits_nchw_priors.onnx");
  });

  it("softmax conf, NHWC proto, batch dim, generated priors: boxes, classes, scores, masks", () => {
    expect(softmaxNhwc.proto!.dims).toEqual([1, 16, 16, 4]);
    const r = decodeYolact(softmaxNhwc, ctx, { priors: PRIORS });
    // A' (duplicate of A), Y (IoU 0.58 with X) and Z (suppressed by the suppressed Y) are gone; D < 0.3.
    expectDetections(r, softmaxNhwc, [A, B, X, C]);
    expect([r.width, r.height, r.frameId, r.sourceId, r.stampNs]).toEqual([W, H, 3, "front", 5n]);
  });

  it("logit conf, NCHW proto, squeezed batch, priors output: same detections", () => {
    expect(logitsNchw.proto!.dims).toEqual([4, 16, 16]);
    expect(logitsNchw.conf!.dims).toEqual([240, 9]);
    const r = decode("yolact", logitsNchw, ctx, {});
    expectDetections(r, logitsNchw, [A, B, X, C]);
  });

  it("priors from the `priors` output equal the generated ones (make_priors rule)", () => {
    expect(fpnFeatureSizes(64, 64, 2)).toEqual([
      [8, 8],
      [4, 4],
    ]);
    expect(fpnFeatureSizes(550, 550, 5).map(([h]) => h)).toEqual([69, 35, 18, 9, 5]);
    const gen = makeYolactPriors(PRIORS, 64, 64);
    const given = logitsNchw.priors!.data;
    expect(gen.length).toBe(given.length);
    for (let i = 0; i < gen.length; i++) expect(gen[i]).toBeCloseTo(given[i]!, 6);
    // generated vs read priors give the same boxes on the same outputs
    const withoutPriors: Outputs = { ...logitsNchw };
    delete (withoutPriors as Record<string, unknown>).priors;
    const a = decodeYolact(withoutPriors, ctx, { priors: PRIORS });
    const b = decodeYolact(logitsNchw, ctx);
    expect([...a.instances!.boxes]).toEqual([...b.instances!.boxes]);
  });

  it("declared conf activation and proto layout override auto-detection", () => {
    const r = decodeYolact(softmaxNhwc, ctx, {
      priors: PRIORS,
      confActivation: "softmax",
      protoLayout: "nhwc",
    });
    expectDetections(r, softmaxNhwc, [A, B, X, C]);
    // treating probabilities as logits flattens them: every score drops below the display threshold
    expect(
      decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, confActivation: "logits" }).instances!.count,
    ).toBe(0);
  });

  it("display threshold is applied last; maxDetections caps the sorted list", () => {
    const low = decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, scoreThreshold: 0.1 });
    expectDetections(low, softmaxNhwc, [A, B, X, C, D]);
    const top2 = decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, maxDetections: 2 });
    expect([...top2.instances!.classIds]).toEqual([24, 26]);
  });

  it("detections (for AP): every ranked detection, below the display threshold too; instances unchanged", () => {
    // Without the option nothing extra is computed.
    expect(decodeYolact(softmaxNhwc, ctx, { priors: PRIORS }).detections).toBeUndefined();
    const r = decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, detections: true });
    expectDetections(r, softmaxNhwc, [A, B, X, C]); // display set (score > 0.3) as before
    const d = r.detections!;
    // D (car, 0.2) is a detection but not displayed; any further entries rank below it.
    expectDetections(r, softmaxNhwc, [A, B, X, C, D], { ...d, count: 5 });
    for (let i = 1; i < d.count; i++) expect(d.scores[i]).toBeLessThanOrEqual(d.scores[i - 1]!);
    for (let i = 5; i < d.count; i++) expect(d.scores[i]).toBeLessThan(D.score);
    // capped by maxDetections like the display list
    const two = decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, detections: true, maxDetections: 2 });
    expect([...two.detections!.classIds]).toEqual([24, 26]);
    expect(two.instances!.count).toBe(2);
  });

  it("detectionsMinScore cuts the ranked detections at a score (the tracker's low band); instances unchanged", () => {
    const all = decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, detections: true }).detections!;
    for (const min of [0.25, 0.2, 0.15]) {
      const r = decodeYolact(softmaxNhwc, ctx, {
        priors: PRIORS,
        detections: true,
        detectionsMinScore: min,
      });
      expectDetections(r, softmaxNhwc, [A, B, X, C]);
      const d = r.detections!;
      const want = [...all.scores].filter((s) => s >= min).length;
      expect(d.count).toBe(want);
      expect([...d.scores]).toEqual([...all.scores].slice(0, want));
    }
    // D (car, 0.2) is kept at 0.2 and dropped above it.
    expect([
      ...decodeYolact(softmaxNhwc, ctx, { priors: PRIORS, detections: true, detectionsMinScore: 0.2 })
        .detections!.scores,
    ]).toContain(Math.fround(D.score));
  });

  it("a prior-count mismatch is named", () => {
    expect(() => decodeYolact(softmaxNhwc, ctx)).toThrow(
      "yolact: generated 258 priors but the model has 240 (check priors options)",
    );
  });
});

describe("fastNms", () => {
  it("a suppressed box still suppresses the boxes below it (unlike greedy NMS)", () => {
    const boxes = new Float32Array([0.55, 0, 0.75, 1, 0.6, 0, 0.8, 1, 0.66, 0, 0.86, 1]);
    expect(fastNms(boxes, new Float32Array([0.7, 0.65, 0.62]), 0.5, 200)).toEqual([0]);
    expect(fastNms(boxes, new Float32Array([0.7, 0.65, 0.62]), 0.55, 200)).toEqual([0, 2]);
    expect(fastNms(boxes, new Float32Array([0.1, 0.65, 0.9]), 0.5, 1)).toEqual([2]);
  });
});

describe("yolact candidate scan (softmaxed conf)", () => {
  // Two priors at the same place; conf rows are softmax outputs (sum 1). The scan rejects a row
  // on its background probability alone only when no foreground class can exceed the threshold.
  const thr = 0.05;
  const outputsFor = (bg: number): Outputs => ({
    loc: { dims: [1, 2, 4], data: new Float32Array(8) },
    conf: {
      dims: [1, 2, 3],
      // row 0: background bg, class 1 takes the rest; row 1: all background
      data: Float32Array.from([bg, 1 - bg, 0, 1, 0, 0]),
    },
    mask: { dims: [1, 2, 4], data: new Float32Array(8).fill(1) },
    proto: { dims: [1, 8, 8, 4], data: new Float32Array(256).fill(1) },
    priors: { dims: [2, 4], data: Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]) },
  });
  const opts: YolactOptions = { confActivation: "softmax", confThreshold: thr, scoreThreshold: 0 };

  it("keeps a prior whose foreground probability is just above the threshold", () => {
    const r = decodeYolact(outputsFor(1 - thr - 2e-5), ctx, opts);
    expect(r.instances!.count).toBe(1);
    expect(r.instances!.scores[0]).toBeCloseTo(thr + 2e-5, 6);
    expect(r.instances!.classIds[0]).toBe(FG_TO_LABEL[0]);
  });

  it("drops priors whose foreground probability is below it (scanned, and rejected early)", () => {
    expect(decodeYolact(outputsFor(1 - thr + 2e-5), ctx, opts).instances!.count).toBe(0);
    expect(decodeYolact(outputsFor(1 - thr + 2e-4), ctx, opts).instances!.count).toBe(0);
  });
});
