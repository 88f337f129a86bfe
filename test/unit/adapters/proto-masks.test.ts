import { describe, expect, it } from "vitest";
import { decodeRle } from "../../../src/frames/rle.js";
import { geometryMaps, linearTable } from "../../../src/inference/adapters/geometry.js";
import {
  assembleMask,
  cropRange,
  maskTables,
  protoBuffer,
  useProtoDotSimd,
  type ProtoView,
} from "../../../src/inference/adapters/proto-masks.js";
import type { InputGeometry } from "../../../src/inference/adapters/types.js";
import { Rng } from "../../../src/synth/rng.js";

/** P·c in float64, one sum (the JS path's arithmetic up to rounding). */
function dot64(p: ProtoView, coeffs: Float32Array, y: number, x: number): number {
  let s = 0;
  for (let j = 0; j < p.k; j++) {
    s += p.data[p.layout === "nhwc" ? (y * p.w + x) * p.k + j : (j * p.h + y) * p.w + x]! * coeffs[j]!;
  }
  return s;
}

/** P·c exactly as the SIMD kernel computes it: float32 lanes j mod 4, multiply then add, then (l0 + l1) + (l2 + l3). */
function dotSimd(p: ProtoView, coeffs: Float32Array, y: number, x: number): number {
  const f = Math.fround;
  const lanes = [0, 0, 0, 0];
  const base = (y * p.w + x) * p.k;
  for (let j = 0; j < p.k; j++) lanes[j % 4] = f(lanes[j % 4]! + f(p.data[base + j]! * coeffs[j]!));
  return f(f(lanes[0]! + lanes[1]!) + f(lanes[2]! + lanes[3]!));
}

/**
 * specs/01 §7 pixel by pixel: sigmoid(P·c) on the whole prototype grid, zero outside the crop,
 * bilinear (align_corners=False) at every frame pixel, > threshold. No span skipping.
 */
function referenceMask(
  p: ProtoView,
  coeffs: Float32Array,
  crop: { x0: number; x1: number; y0: number; y1: number },
  g: InputGeometry,
  threshold: number,
  dot: typeof dot64 = dot64,
): Uint8Array {
  const m = new Float32Array(p.h * p.w);
  for (let y = crop.y0; y < crop.y1; y++) {
    for (let x = crop.x0; x < crop.x1; x++) {
      const s = dot(p, coeffs, y, x);
      m[y * p.w + x] = 1 / (1 + Math.exp(-s));
    }
  }
  const maps = geometryMaps(g);
  const cols = linearTable(g.frameWidth, maps.x, p.w, g.netWidth);
  const rows = linearTable(g.frameHeight, maps.y, p.h, g.netHeight);
  const out = new Uint8Array(g.frameWidth * g.frameHeight);
  for (let fy = 0; fy < g.frameHeight; fy++) {
    for (let fx = 0; fx < g.frameWidth; fx++) {
      const at = (r: number, c: number): number => m[r * p.w + c]!;
      const [r0, r1, c0, c1] = [rows.i0[fy]!, rows.i1[fy]!, cols.i0[fx]!, cols.i1[fx]!];
      const wx = cols.w1[fx]!;
      const top = at(r0, c0) + (at(r0, c1) - at(r0, c0)) * wx;
      const bot = at(r1, c0) + (at(r1, c1) - at(r1, c0)) * wx;
      out[fy * g.frameWidth + fx] = top + (bot - top) * rows.w1[fy]! > threshold ? 1 : 0;
    }
  }
  return out;
}

/** Smooth random prototypes (sums of a few blobs) so masks have real boundaries. */
function randomProtos(rng: Rng, h: number, w: number, k: number, layout: "nhwc" | "nchw"): ProtoView {
  const data = new Float32Array(h * w * k);
  for (let j = 0; j < k; j++) {
    const [cx, cy, r] = [rng.range(0, w), rng.range(0, h), rng.range(2, w / 3)];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (r * r));
        data[layout === "nhwc" ? (y * w + x) * k + j : (j * h + y) * w + x] = v;
      }
    }
  }
  return { data, h, w, k, layout };
}

describe("assembleMask (span skipping) against a per-pixel reference", () => {
  const cases: { name: string; g: Omit<InputGeometry, "netWidth" | "netHeight"> }[] = [
    { name: "upsample x2 stretch", g: { frameWidth: 1024, frameHeight: 512, resize: "stretch" } },
    { name: "same size", g: { frameWidth: 512, frameHeight: 256, resize: "stretch" } },
    { name: "downsample", g: { frameWidth: 200, frameHeight: 90, resize: "stretch" } },
    { name: "letterbox, odd size", g: { frameWidth: 333, frameHeight: 301, resize: "letterbox" } },
  ];
  for (const { name, g: frame } of cases) {
    it(`is bit-identical: ${name}`, () => {
      useProtoDotSimd(false);
      const rng = new Rng(4242);
      const g: InputGeometry = { netWidth: 512, netHeight: 256, ...frame };
      let foreground = 0;
      for (const layout of ["nhwc", "nchw"] as const) {
        const p = randomProtos(rng, 64, 128, 6, layout);
        const tables = maskTables(geometryMaps(g), g.frameWidth, g.frameHeight, p, 512, 256);
        for (let d = 0; d < 12; d++) {
          const coeffs = Float32Array.from({ length: p.k }, () => rng.range(-6, 6));
          const [bx0, by0] = [rng.range(-0.1, 0.8), rng.range(-0.1, 0.8)];
          const [bx1, by1] = [bx0 + rng.range(0.05, 0.6), by0 + rng.range(0.05, 0.6)];
          const [x0, x1] = cropRange(Math.max(bx0 * p.w - 1, 0), Math.min(bx1 * p.w + 1, p.w), p.w);
          const [y0, y1] = cropRange(Math.max(by0 * p.h - 1, 0), Math.min(by1 * p.h + 1, p.h), p.h);
          const crop = { x0, x1, y0, y1 };
          const thr = d % 3 === 0 ? 0.3 : 0.5;
          const got = decodeRle(assembleMask(p, coeffs, 0, crop, tables, thr));
          const want = referenceMask(p, coeffs, crop, g, thr);
          let differ = 0;
          for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
          expect(differ, `detection ${d} (${layout}): pixels that differ`).toBe(0);
          foreground += want.reduce((a, v) => a + v, 0);
        }
      }
      expect(foreground).toBeGreaterThan(1000);
      useProtoDotSimd(true);
    });
  }

  // The SIMD kernel (NHWC, k a multiple of 4) against its own arithmetic, emulated in float32;
  // prototypes copied in per frame and written in place (ORT's preallocated output).
  it.each(["copied", "in place"] as const)(
    "SIMD dot products are bit-identical too (prototypes %s)",
    (mode) => {
      useProtoDotSimd(true);
      const rng = new Rng(77);
      let foreground = 0;
      for (const { g: frame } of cases) {
        const g: InputGeometry = { netWidth: 512, netHeight: 256, ...frame };
        for (const [h, w, k] of [
          [64, 128, 24],
          [128, 256, 8],
        ] as const) {
          let p = randomProtos(rng, h, w, k, "nhwc");
          if (mode === "in place") {
            const view = protoBuffer(h, w, k);
            expect(view, "SIMD available on this machine").toBeDefined();
            view!.set(p.data);
            p = { ...p, data: view! };
          }
          const tables = maskTables(geometryMaps(g), g.frameWidth, g.frameHeight, p, 512, 256);
          expect(tables.dot, "SIMD kernel in use").toBeDefined();
          for (let d = 0; d < 6; d++) {
            const coeffs = Float32Array.from({ length: k }, () => rng.range(-6, 6));
            const [bx0, by0] = [rng.range(-0.1, 0.8), rng.range(-0.1, 0.8)];
            const [bx1, by1] = [bx0 + rng.range(0.05, 0.6), by0 + rng.range(0.05, 0.6)];
            const [x0, x1] = cropRange(Math.max(bx0 * w - 1, 0), Math.min(bx1 * w + 1, w), w);
            const [y0, y1] = cropRange(Math.max(by0 * h - 1, 0), Math.min(by1 * h + 1, h), h);
            const crop = { x0, x1, y0, y1 };
            const got = decodeRle(assembleMask(p, coeffs, 0, crop, tables, 0.5));
            const want = referenceMask(p, coeffs, crop, g, 0.5, dotSimd);
            let differ = 0;
            for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
            expect(differ, `${h}x${w}x${k} detection ${d}: pixels that differ`).toBe(0);
            foreground += want.reduce((a, v) => a + v, 0);
          }
        }
      }
      expect(foreground).toBeGreaterThan(1000);
    },
  );
});

describe("assembleMask at the threshold", () => {
  it("logits on logit(threshold) are decided by the exact sigmoid, not the span test (JS and SIMD)", () => {
    // All coefficients 0: every logit is 0, every sigmoid exactly 0.5 inside the crop.
    const p: ProtoView = { data: new Float32Array(16 * 32 * 4).fill(1), h: 16, w: 32, k: 4, layout: "nhwc" };
    const g: InputGeometry = {
      netWidth: 128,
      netHeight: 64,
      frameWidth: 256,
      frameHeight: 128,
      resize: "stretch",
    };
    const tables = maskTables(geometryMaps(g), 256, 128, p, 128, 64);
    const crop = { x0: 4, x1: 20, y0: 2, y1: 10 };
    const zero = new Float32Array(4);
    for (const thr of [0.5, 0.5 - 1e-7, 0.5 + 1e-7, 0.25]) {
      const got = decodeRle(assembleMask(p, zero, 0, crop, tables, thr));
      const want = referenceMask(p, zero, crop, g, thr);
      expect(got, `threshold ${thr}`).toEqual(want);
      // Strictly greater: nothing at 0.5; the crop's interior below it.
      expect(got.reduce((a, v) => a + v, 0) > 0, `threshold ${thr}`).toBe(thr < 0.5);
    }
  });
});
