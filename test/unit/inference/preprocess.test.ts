import { describe, expect, it } from "vitest";
import { bilinearAxis } from "../../../src/frames/image-ops.js";
import { letterboxPlacement, Preprocessor, type PreprocessSpec } from "../../../src/inference/preprocess.js";
import { usePreprocessSimd } from "../../../src/inference/preprocess-simd.js";
import { Rng } from "../../../src/synth/rng.js";

const base: PreprocessSpec = {
  width: 4,
  height: 4,
  channelOrder: "rgb",
  mean: [0, 0, 0],
  std: [1, 1, 1],
  scale: 1,
  resize: "stretch",
  padValue: 0,
};
const plane = (t: Float32Array, c: number, w: number, h: number): number[][] =>
  Array.from({ length: h }, (_, y) => Array.from(t.subarray(c * w * h + y * w, c * w * h + (y + 1) * w)));

describe("Preprocessor", () => {
  it("bilinear upsample 2x2 → 4x4 with align_corners=False, exact values, CHW", () => {
    // R channel [[0,100],[200,50]]; G = R + 1; B = 7.
    const src = Uint8Array.from([0, 1, 7, 100, 101, 7, 200, 201, 7, 50, 51, 7]);
    const p = new Preprocessor(base);
    const g = p.run({ width: 2, height: 2, encoding: "rgb8", data: src });
    expect(g).toEqual({ netWidth: 4, netHeight: 4, frameWidth: 2, frameHeight: 2, resize: "stretch" });
    expect(plane(p.tensor, 0, 4, 4)).toEqual([
      [0, 25, 75, 100],
      [50, 59.375, 78.125, 87.5],
      [150, 128.125, 84.375, 62.5],
      [200, 162.5, 87.5, 50],
    ]);
    expect(plane(p.tensor, 1, 4, 4)[0]).toEqual([1, 26, 76, 101]);
    expect(
      plane(p.tensor, 2, 4, 4)
        .flat()
        .every((v) => v === 7),
    ).toBe(true);
  });

  it("applies scale, mean, std and channel order (bgr8 source)", () => {
    const spec: PreprocessSpec = {
      ...base,
      width: 1,
      height: 1,
      scale: 0.5,
      mean: [1, 2, 3],
      std: [2, 4, 8],
    };
    const bgr = Uint8Array.from([10, 20, 30]); // B=10 G=20 R=30
    const rgbNet = new Preprocessor(spec);
    rgbNet.run({ width: 1, height: 1, encoding: "bgr8", data: bgr });
    expect(Array.from(rgbNet.tensor)).toEqual([(15 - 1) / 2, (10 - 2) / 4, (5 - 3) / 8]);
    const bgrNet = new Preprocessor({ ...spec, channelOrder: "bgr" });
    bgrNet.run({ width: 1, height: 1, encoding: "bgr8", data: bgr });
    expect(Array.from(bgrNet.tensor)).toEqual([(5 - 1) / 2, (10 - 2) / 4, (15 - 3) / 8]);
    bgrNet.run({ width: 1, height: 1, encoding: "rgb8", data: Uint8Array.from([30, 20, 10]) });
    expect(Array.from(bgrNet.tensor)).toEqual([(5 - 1) / 2, (10 - 2) / 4, (15 - 3) / 8]);
  });

  it("mono8 fills all three channels", () => {
    const p = new Preprocessor({ ...base, width: 2, height: 1 });
    p.run({ width: 2, height: 1, encoding: "mono8", data: Uint8Array.from([9, 90]) });
    expect(Array.from(p.tensor)).toEqual([9, 90, 9, 90, 9, 90]);
  });

  it("letterbox: pads with padValue (normalised) and reports scale/pad", () => {
    const p = new Preprocessor({
      ...base,
      resize: "letterbox",
      padValue: 114,
      scale: 1 / 2,
      mean: [1, 1, 1],
    });
    const src = new Uint8Array(4 * 2 * 3);
    for (let i = 0; i < 8; i++) src.set([i * 10, i * 10, i * 10], i * 3);
    const g = p.run({ width: 4, height: 2, encoding: "rgb8", data: src });
    expect(g).toEqual({
      netWidth: 4,
      netHeight: 4,
      frameWidth: 4,
      frameHeight: 2,
      resize: "letterbox",
      scale: 1,
      padX: 0,
      padY: 1,
    });
    const pad = 114 / 2 - 1;
    expect(plane(p.tensor, 0, 4, 4)).toEqual([
      [pad, pad, pad, pad],
      [-1, 4, 9, 14],
      [19, 24, 29, 34],
      [pad, pad, pad, pad],
    ]);
  });

  it("letterbox placement follows Ultralytics (2048x1024 → 640x640)", () => {
    expect(letterboxPlacement(2048, 1024, 640, 640)).toEqual({
      left: 0,
      top: 160,
      width: 640,
      height: 320,
      scale: 0.3125,
    });
    expect(letterboxPlacement(1000, 1000, 640, 480)).toEqual({
      left: 80,
      top: 0,
      width: 480,
      height: 480,
      scale: 0.48,
    });
  });

  it("downsample keeps one output buffer across frames and sizes", () => {
    const p = new Preprocessor({ ...base, width: 2, height: 2 });
    const t = p.tensor;
    const src = new Uint8Array(4 * 4 * 3).fill(200);
    p.run({ width: 4, height: 4, encoding: "rgb8", data: src });
    expect(Array.from(p.tensor)).toEqual(new Array(12).fill(200));
    p.run({ width: 8, height: 2, encoding: "rgb8", data: new Uint8Array(8 * 2 * 3).fill(3) });
    expect(p.tensor).toBe(t);
    expect(Array.from(p.tensor)).toEqual(new Array(12).fill(3));
  });

  it("rejects short buffers and mono16", () => {
    const p = new Preprocessor(base);
    expect(() => p.run({ width: 2, height: 2, encoding: "rgb8", data: new Uint8Array(5) })).toThrow(
      RangeError,
    );
    expect(() => p.run({ width: 1, height: 1, encoding: "mono16", data: new Uint8Array(2) })).toThrow(
      /mono16/,
    );
  });

  it("equals a per-pixel bilinear reference bit for bit (same size, up, down, letterbox; rgb8/bgr8/mono8)", () => {
    const spec: PreprocessSpec = {
      width: 16,
      height: 8,
      channelOrder: "rgb",
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      scale: 1 / 255,
      resize: "stretch",
      padValue: 114,
    };
    const rng = new Rng(5);
    const cases = [
      { w: 16, h: 8, encoding: "rgb8", resize: "stretch" },
      { w: 37, h: 19, encoding: "bgr8", resize: "stretch" },
      { w: 7, h: 5, encoding: "rgb8", resize: "stretch" },
      { w: 16, h: 8, encoding: "mono8", resize: "stretch" },
      { w: 16, h: 4, encoding: "rgb8", resize: "letterbox" },
      { w: 33, h: 10, encoding: "bgr8", resize: "letterbox" },
    ] as const;
    for (const c of cases) {
      const bpp = c.encoding === "mono8" ? 1 : 3;
      const data = Uint8Array.from({ length: c.w * c.h * bpp }, () => rng.int(0, 255));
      const p = new Preprocessor({ ...spec, resize: c.resize });
      p.run({ width: c.w, height: c.h, encoding: c.encoding, data });
      // Reference: per output pixel, two horizontal lerps (float64, stored as float32), then the
      // vertical lerp and p·a + b with every operation rounded to float32.
      const f = Math.fround;
      const place =
        c.resize === "letterbox"
          ? letterboxPlacement(c.w, c.h, spec.width, spec.height)
          : { left: 0, top: 0, width: spec.width, height: spec.height };
      const src = c.encoding === "bgr8" ? [2, 1, 0] : c.encoding === "mono8" ? [0, 0, 0] : [0, 1, 2];
      const a = Float32Array.from([0, 1, 2], (k) => spec.scale / spec.std[k]!);
      const b = Float32Array.from([0, 1, 2], (k) => -spec.mean[k]! / spec.std[k]!);
      const xs = bilinearAxis(c.w, place.width);
      const ys = bilinearAxis(c.h, place.height);
      const n = spec.width * spec.height;
      const exp = new Float32Array(3 * n);
      for (let k = 0; k < 3; k++) exp.fill(f(f(spec.padValue * a[k]!) + b[k]!), k * n, (k + 1) * n);
      const at = (x: number, y: number, k: number): number => data[(y * c.w + x) * bpp + src[k]!]!;
      for (let y = 0; y < place.height; y++) {
        for (let x = 0; x < place.width; x++) {
          for (let k = 0; k < 3; k++) {
            const [x0, x1, wx] = [xs.i0[x]!, xs.i1[x]!, xs.w1[x]!];
            const [y0, y1, wy] = [ys.i0[y]!, ys.i1[y]!, ys.w1[y]!];
            const t = f(at(x0, y0, k) + (at(x1, y0, k) - at(x0, y0, k)) * wx);
            const u = f(at(x0, y1, k) + (at(x1, y1, k) - at(x0, y1, k)) * wx);
            const v = f(f(f(u - t) * wy) + t);
            exp[k * n + (place.top + y) * spec.width + place.left + x] = f(f(v * a[k]!) + b[k]!);
          }
        }
      }
      expect(p.tensor).toEqual(exp);
    }
  });

  it("the SIMD kernels and the JS loops give identical tensors (sizes with tails, letterbox, both orders)", () => {
    const rng = new Rng(11);
    const cases = [
      { net: [64, 32], frame: [64, 32], encoding: "rgb8", order: "rgb", resize: "stretch" },
      { net: [70, 30], frame: [70, 30], encoding: "bgr8", order: "rgb", resize: "stretch" },
      { net: [64, 32], frame: [32, 16], encoding: "rgb8", order: "bgr", resize: "stretch" },
      { net: [61, 29], frame: [45, 23], encoding: "bgr8", order: "bgr", resize: "stretch" },
      { net: [64, 64], frame: [64, 32], encoding: "rgb8", order: "rgb", resize: "letterbox" },
      { net: [48, 48], frame: [100, 37], encoding: "rgb8", order: "rgb", resize: "letterbox" },
      { net: [40, 20], frame: [40, 20], encoding: "mono8", order: "rgb", resize: "stretch" },
    ] as const;
    let simdRuns = 0;
    for (const c of cases) {
      const spec: PreprocessSpec = {
        width: c.net[0],
        height: c.net[1],
        channelOrder: c.order,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        scale: 1 / 255,
        resize: c.resize,
        padValue: 114,
      };
      const bpp = c.encoding === "mono8" ? 1 : 3;
      const frame = {
        width: c.frame[0],
        height: c.frame[1],
        encoding: c.encoding,
        data: Uint8Array.from({ length: c.frame[0] * c.frame[1] * bpp }, () => rng.int(0, 255)),
      };
      const fast = new Preprocessor(spec);
      if (fast.simd) simdRuns++;
      fast.run(frame);
      usePreprocessSimd(false);
      try {
        const js = new Preprocessor(spec);
        expect(js.simd).toBe(false);
        js.run(frame);
        expect(fast.tensor).toEqual(js.tensor);
        // Twice through the same preprocessor (cached rows and tables) changes nothing.
        fast.run(frame);
        expect(fast.tensor).toEqual(js.tensor);
      } finally {
        usePreprocessSimd(true);
      }
    }
    expect(simdRuns).toBe(cases.length);
  });
});
