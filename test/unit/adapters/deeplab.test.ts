import { describe, expect, it } from "vitest";
import { TRAIN_ID_TO_ID } from "../../../src/frames/labels.js";
import { deeplabLogitsBuffer, useDeeplabSimd } from "../../../src/inference/adapters/deeplab.js";
import {
  decode,
  decodeDeeplab,
  type AdapterContext,
  type Outputs,
} from "../../../src/inference/adapters/index.js";
import { Rng } from "../../../src/synth/rng.js";
import { runFixture } from "./ort-fixture.js";

// The fixture design (make_adapter_fixtures.py): at 32x64 network resolution, trainId
// ((x>>3) + 3·(y>>3)) % 19 wins with logit +5 (others −5); `aux` is shifted by one class.
const NET_H = 32;
const NET_W = 64;
const trainIdAt = (x: number, y: number): number => ((x >> 3) + 3 * (y >> 3)) % 19;
const labels = { toLabelId: Array.from({ length: 19 }, (_, t) => TRAIN_ID_TO_ID[t]!) };

function ctx(
  frameWidth: number,
  frameHeight: number,
  extra: Partial<AdapterContext["geometry"]> = {},
): AdapterContext {
  return {
    geometry: { netWidth: NET_W, netHeight: NET_H, frameWidth, frameHeight, resize: "stretch", ...extra },
    labels,
    frameId: 7,
    sourceId: "cam",
    stampNs: 123n,
  };
}

/** Expected label ids at a 4× stretched frame (256×128): each frame pixel comes from (x>>2, y>>2). */
function expected4x(): Uint8Array {
  const W = NET_W * 4;
  const H = NET_H * 4;
  const e = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) e[y * W + x] = TRAIN_ID_TO_ID[trainIdAt(x >> 2, y >> 2)]!;
  return e;
}

describe("deeplab adapter on real ORT outputs", () => {
  it("output `out` beside an `aux` output listed first: exact class map at frame size", async () => {
    const outputs = await runFixture("deeplab_out_aux.onnx");
    expect(Object.keys(outputs)).toEqual(["aux", "out"]);
    const r = decodeDeeplab(outputs, ctx(256, 128));
    expect(r.semantic?.width).toBe(256);
    expect(r.semantic?.height).toBe(128);
    expect(r.semantic?.classIds).toEqual(expected4x());
    expect([r.frameId, r.sourceId, r.stampNs]).toEqual([7, "cam", 123n]);
    expect(r.timings).toEqual({});
  });

  it("output `logits` without aux, through the dispatcher", async () => {
    const outputs = await runFixture("deeplab_logits.onnx");
    const r = decode("deeplab", outputs, ctx(256, 128));
    expect(r.semantic?.classIds).toEqual(expected4x());
  });

  it("same map without aux as with aux, and the aux head is never picked", async () => {
    const [a, b] = await Promise.all([runFixture("deeplab_out_aux.onnx"), runFixture("deeplab_logits.onnx")]);
    const withAux = decodeDeeplab(a, ctx(256, 128)).semantic!.classIds;
    const noAux = decodeDeeplab(b, ctx(256, 128)).semantic!.classIds;
    expect(withAux).toEqual(noAux);
    const aux = decodeDeeplab(a, ctx(256, 128), { outputName: "aux" }).semantic!.classIds;
    expect(aux).not.toEqual(withAux);
  });

  // "auto" picks "argmax" here: the fixture's logits are at the network resolution. The exact
  // "logits" path against its definition: logit-upsample.test.ts.
  it("upsample 'logits' (bilinear then argmax) agrees inside blocks and ≥ 97 % overall", async () => {
    const outputs = await runFixture("deeplab_out_aux.onnx");
    const r = decodeDeeplab(outputs, ctx(256, 128), { upsample: "logits" });
    const got = r.semantic!.classIds;
    const exp = expected4x();
    let same = 0;
    for (let i = 0; i < got.length; i++) if (got[i] === exp[i]) same++;
    expect(same / got.length).toBeGreaterThan(0.97);
    // block interiors (away from the 8-pixel block edges at network res) are exact
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 256; x++) {
        const nx = (x + 0.5) / 4;
        const ny = (y + 0.5) / 4;
        if (nx % 8 > 1 && nx % 8 < 7 && ny % 8 > 1 && ny % 8 < 7)
          expect(got[y * 256 + x]).toBe(exp[y * 256 + x]);
      }
    }
  });

  it("undoes a letterbox: 128×32 frame in the 64×32 net (scale 0.5, padY 8)", async () => {
    const outputs = await runFixture("deeplab_logits.onnx");
    const r = decodeDeeplab(outputs, ctx(128, 32, { resize: "letterbox", scale: 0.5, padX: 0, padY: 8 }));
    const got = r.semantic!.classIds;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 128; x++) {
        // frame pixel centre → network pixel containing it
        const nx = Math.floor((x + 0.5) * 0.5);
        const ny = Math.floor((y + 0.5) * 0.5 + 8);
        expect(got[y * 128 + x]).toBe(TRAIN_ID_TO_ID[trainIdAt(nx, ny)]);
      }
    }
  });

  it("computes the letterbox pad itself when not given", async () => {
    const outputs = await runFixture("deeplab_logits.onnx");
    const given = decodeDeeplab(outputs, ctx(128, 32, { resize: "letterbox", scale: 0.5, padX: 0, padY: 8 }));
    const computed = decodeDeeplab(outputs, ctx(128, 32, { resize: "letterbox" }));
    expect(computed.semantic!.classIds).toEqual(given.semantic!.classIds);
  });

  it("unmapped classes become 0 and a missing output is named", () => {
    const data = new Float32Array(2 * 2 * 2);
    data.set([1, 1, 1, 1], 4); // class 1 wins everywhere
    const outputs: Outputs = { out: { dims: [1, 2, 2, 2], data } };
    const c: AdapterContext = {
      ...ctx(2, 2),
      geometry: { ...ctx(2, 2).geometry, netWidth: 2, netHeight: 2 },
    };
    expect(decodeDeeplab(outputs, { ...c, labels: { toLabelId: [7] } }).semantic!.classIds).toEqual(
      new Uint8Array(4),
    );
    expect(() => decodeDeeplab(outputs, c, { outputName: "seg" })).toThrow(
      'deeplab: model has no output "seg" (outputs: out)',
    );
  });

  it.each(["simd", "simd in place", "js"] as const)(
    "argmax path (%s) equals a per-pixel argmax + nearest lookup (ties, odd sizes, 2×/4× stretch, letterbox, C=1, 5, 19)",
    (mode) => {
      // Reference: per frame pixel, the logit pixel containing its centre, first maximum over C.
      const rng = new Rng(11);
      const cases: { c: number; lw: number; lh: number; g: AdapterContext["geometry"] }[] = [
        {
          c: 19,
          lw: 64,
          lh: 32,
          g: { netWidth: 64, netHeight: 32, frameWidth: 64, frameHeight: 32, resize: "stretch" },
        },
        {
          c: 19,
          lw: 64,
          lh: 32,
          g: { netWidth: 64, netHeight: 32, frameWidth: 200, frameHeight: 77, resize: "stretch" },
        },
        {
          c: 5,
          lw: 32,
          lh: 16,
          g: { netWidth: 64, netHeight: 32, frameWidth: 50, frameHeight: 13, resize: "stretch" },
        },
        {
          c: 19,
          lw: 37,
          lh: 11,
          g: { netWidth: 37, netHeight: 11, frameWidth: 37, frameHeight: 11, resize: "stretch" },
        },
        {
          c: 19,
          lw: 37,
          lh: 11,
          g: { netWidth: 37, netHeight: 11, frameWidth: 74, frameHeight: 22, resize: "stretch" },
        },
        {
          c: 19,
          lw: 64,
          lh: 32,
          g: { netWidth: 64, netHeight: 32, frameWidth: 256, frameHeight: 96, resize: "stretch" },
        },
        {
          c: 1,
          lw: 37,
          lh: 11,
          g: { netWidth: 37, netHeight: 11, frameWidth: 80, frameHeight: 20, resize: "stretch" },
        },
        {
          c: 19,
          lw: 40,
          lh: 40,
          g: { netWidth: 40, netHeight: 40, frameWidth: 96, frameHeight: 48, resize: "letterbox" },
        },
      ];
      for (const { c, lw, lh, g } of cases) {
        const plane = lw * lh;
        // Values from a small set, so ties between classes are common.
        let data: Float32Array = Float32Array.from({ length: c * plane }, () => Math.floor(rng.next() * 4));
        useDeeplabSimd(mode !== "js");
        if (mode === "simd in place") {
          const view = deeplabLogitsBuffer(c, plane)!;
          view.set(data);
          data = view;
        }
        const lut = Array.from({ length: c }, (_, k) => (k === 2 ? -1 : 3 + k));
        const r = decodeDeeplab(
          { out: { dims: [1, c, lh, lw], data } },
          { ...ctx(1, 1), geometry: g, labels: { toLabelId: lut } },
          { upsample: "argmax" },
        );
        const { frameWidth: W, frameHeight: H } = g;
        const s =
          g.resize === "stretch"
            ? [g.netWidth / W, g.netHeight / H]
            : [Math.min(g.netWidth / W, g.netHeight / H)];
        const sx = s[0]!;
        const sy = s[1] ?? sx;
        const padX = g.resize === "stretch" ? 0 : Math.round((g.netWidth - Math.round(W * sx)) / 2 - 0.1);
        const padY = g.resize === "stretch" ? 0 : Math.round((g.netHeight - Math.round(H * sy)) / 2 - 0.1);
        const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
        const exp = new Uint8Array(W * H);
        for (let y = 0; y < H; y++) {
          const ly = clamp(Math.floor(((y + 0.5) * sy + padY) * (lh / g.netHeight)), lh);
          for (let x = 0; x < W; x++) {
            const lx = clamp(Math.floor(((x + 0.5) * sx + padX) * (lw / g.netWidth)), lw);
            let best = -Infinity;
            let arg = 0;
            for (let k = 0; k < c; k++) {
              const v = data[k * plane + ly * lw + lx]!;
              if (v > best) {
                best = v;
                arg = k;
              }
            }
            exp[y * W + x] = Math.max(0, lut[arg]!);
          }
        }
        expect(r.semantic!.classIds).toEqual(exp);
      }
      useDeeplabSimd(true);
    },
  );
});
