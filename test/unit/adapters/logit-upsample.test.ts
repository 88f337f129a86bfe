/**
 * The DeepLab adapter's "logits" upsampling (logit-upsample.ts: argmax at logit resolution,
 * interpolation only at class boundaries, only of the classes that can win) against the
 * definition: every class logit bilinearly interpolated (align_corners=False; across rows, then
 * columns, in float64) at every frame pixel, then the first maximum.
 */
import { describe, expect, it } from "vitest";
import { deeplabLogitsBuffer, useDeeplabSimd } from "../../../src/inference/adapters/deeplab.js";
import { geometryMaps, linearTable } from "../../../src/inference/adapters/geometry.js";
import {
  decodeDeeplab,
  type AdapterContext,
  type InputGeometry,
} from "../../../src/inference/adapters/index.js";
import { Rng } from "../../../src/synth/rng.js";

/** The definition, pixel by pixel over all classes. */
function reference(
  data: Float32Array,
  c: number,
  lw: number,
  lh: number,
  g: InputGeometry,
  lut: readonly number[],
): Uint8Array {
  const { frameWidth: W, frameHeight: H } = g;
  const maps = geometryMaps(g);
  const cx = linearTable(W, maps.x, lw, g.netWidth);
  const cy = linearTable(H, maps.y, lh, g.netHeight);
  const plane = lw * lh;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const r0 = cy.i0[y]! * lw;
    const r1 = cy.i1[y]! * lw;
    const wy = cy.w1[y]!;
    for (let x = 0; x < W; x++) {
      const a = cx.i0[x]!;
      const b = cx.i1[x]!;
      const wx = cx.w1[x]!;
      let best = -Infinity;
      let arg = 0;
      for (let k = 0; k < c; k++) {
        const o = k * plane;
        const left = (1 - wy) * data[o + r0 + a]! + wy * data[o + r1 + a]!;
        const right = (1 - wy) * data[o + r0 + b]! + wy * data[o + r1 + b]!;
        const v = (1 - wx) * left + wx * right;
        if (v > best) {
          best = v;
          arg = k;
        }
      }
      out[y * W + x] = Math.max(0, lut[arg]!);
    }
  }
  return out;
}

/** Smooth random logits: each class a sum of a few random blobs, so regions and boundaries form. */
function smoothLogits(rng: Rng, c: number, lw: number, lh: number): Float32Array {
  const data = new Float32Array(c * lw * lh);
  for (let k = 0; k < c; k++) {
    for (let blob = 0; blob < 3; blob++) {
      const bx = rng.next() * lw;
      const by = rng.next() * lh;
      const r = 2 + rng.next() * Math.max(lw, lh) * 0.3;
      const amp = rng.next() * 8;
      for (let y = 0; y < lh; y++)
        for (let x = 0; x < lw; x++) {
          const d2 = ((x - bx) ** 2 + (y - by) ** 2) / (r * r);
          data[k * lw * lh + y * lw + x]! += amp * Math.exp(-d2);
        }
    }
  }
  return data;
}

const CASES: { name: string; c: number; lw: number; lh: number; g: InputGeometry }[] = [
  { name: "8x stretch (64x128 logits → 1024x512)", c: 19, lw: 128, lh: 64, g: geom(512, 256, 1024, 512) },
  { name: "4x stretch", c: 19, lw: 128, lh: 64, g: geom(512, 256, 512, 256) },
  { name: "same grid (identity)", c: 19, lw: 64, lh: 32, g: geom(64, 32, 64, 32) },
  // The bundled DeepLab's case: stride-2 logits of a frame upscaled 2× to the input — frame = logit grid.
  { name: "stride-2 logits, frame at half the input", c: 19, lw: 64, lh: 32, g: geom(128, 64, 64, 32) },
  { name: "stride-2 logits, frame at the input size", c: 19, lw: 64, lh: 32, g: geom(128, 64, 128, 64) },
  { name: "odd sizes", c: 5, lw: 37, lh: 11, g: geom(74, 22, 200, 77) },
  { name: "downsample", c: 19, lw: 64, lh: 32, g: geom(64, 32, 50, 13) },
  { name: "letterbox", c: 19, lw: 40, lh: 40, g: { ...geom(160, 160, 192, 96), resize: "letterbox" } },
  { name: "one class", c: 1, lw: 37, lh: 11, g: geom(37, 11, 80, 20) },
];

function geom(netWidth: number, netHeight: number, frameWidth: number, frameHeight: number): InputGeometry {
  return { netWidth, netHeight, frameWidth, frameHeight, resize: "stretch" };
}

function decodeLogits(
  data: Float32Array,
  c: number,
  lw: number,
  lh: number,
  g: InputGeometry,
  lut: number[],
) {
  const ctx: AdapterContext = {
    geometry: g,
    labels: { toLabelId: lut },
    frameId: 1,
    sourceId: "s",
    stampNs: 0n,
  };
  return decodeDeeplab({ out: { dims: [1, c, lh, lw], data } }, ctx, { upsample: "logits" }).semantic!
    .classIds;
}

describe("deeplab upsample 'logits': exact bilinear-then-argmax", () => {
  it.each(["simd", "simd in place", "js"] as const)("equals the per-pixel definition (%s)", (mode) => {
    const rng = new Rng(5);
    for (const { name, c, lw, lh, g } of CASES) {
      let data = smoothLogits(rng, c, lw, lh);
      useDeeplabSimd(mode !== "js");
      if (mode === "simd in place") {
        const view = deeplabLogitsBuffer(c, lw * lh)!;
        view.set(data);
        data = view;
      }
      // Classes 2 and 3 share label 0 (unmapped): agreement of labels is not agreement of classes.
      const lut = Array.from({ length: c }, (_, k) => (k === 2 || k === 3 ? -1 : 3 + k));
      const got = decodeLogits(data, c, lw, lh, g, lut);
      const exp = reference(data, c, lw, lh, g, lut);
      let differ = 0;
      for (let i = 0; i < exp.length; i++) if (got[i] !== exp[i]) differ++;
      expect(differ, name).toBe(0);
      // The case has class boundaries to interpolate (not one uniform map).
      if (c > 1) expect(new Set(exp).size, name).toBeGreaterThan(2);
    }
    useDeeplabSimd(true);
  });

  it("a class that is the argmax at none of the 4 taps wins between them", () => {
    // 2x1 logits, 3 classes: left (10, 0, 9), right (0, 10, 9). Frame x → logit 0.25·x − 0.375
    // (clamped): weights of the right tap 0, 0, .125, .375, .625, .875, 1, 1 — class 2 (9) wins
    // wherever both others are below 9: the middle four pixels.
    const data = Float32Array.from([10, 0, 0, 10, 9, 9]);
    const g = geom(2, 1, 8, 1);
    const got = decodeLogits(data, 3, 2, 1, g, [7, 8, 11]);
    expect(Array.from(got)).toEqual(Array.from(reference(data, 3, 2, 1, g, [7, 8, 11])));
    expect(Array.from(got)).toEqual([7, 7, 11, 11, 11, 11, 8, 8]);
  });

  it('"auto" (the default) interpolates coarse logits and looks up logits at network resolution', () => {
    const rng = new Rng(9);
    const lut = Array.from({ length: 19 }, (_, k) => 3 + k);
    const decodeAs = (
      data: Float32Array,
      lw: number,
      lh: number,
      g: InputGeometry,
      upsample?: "argmax" | "logits",
    ) =>
      decodeDeeplab(
        { out: { dims: [1, 19, lh, lw], data } },
        { geometry: g, labels: { toLabelId: lut }, frameId: 1, sourceId: "s", stampNs: 0n },
        upsample === undefined ? {} : { upsample },
      ).semantic!.classIds;
    const coarse = smoothLogits(rng, 19, 32, 16);
    const g1 = geom(128, 64, 256, 128);
    expect(decodeAs(coarse, 32, 16, g1)).toEqual(decodeAs(coarse, 32, 16, g1, "logits"));
    expect(decodeAs(coarse, 32, 16, g1)).not.toEqual(decodeAs(coarse, 32, 16, g1, "argmax"));
    const full = smoothLogits(rng, 19, 64, 32);
    const g2 = geom(64, 32, 256, 128);
    expect(decodeAs(full, 64, 32, g2)).toEqual(decodeAs(full, 64, 32, g2, "argmax"));
    expect(decodeAs(full, 64, 32, g2)).not.toEqual(decodeAs(full, 64, 32, g2, "logits"));
  });

  it("ties keep the first class, as the definition's first maximum", () => {
    // Every class equal everywhere: class 0 everywhere; classes 0 and 1 tie at the taps.
    const data = new Float32Array(3 * 4 * 4).fill(1);
    const g = geom(4, 4, 16, 16);
    expect(Array.from(new Set(decodeLogits(data, 3, 4, 4, g, [7, 8, 11])))).toEqual([7]);
  });
});
