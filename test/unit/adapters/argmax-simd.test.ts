import { describe, expect, it } from "vitest";
import { SimdArgmax } from "../../../src/inference/adapters/argmax-simd.js";
import { Rng } from "../../../src/synth/rng.js";

/** First-maximum argmax per pixel, as label ids through `lut`. */
function reference(data: Float32Array, c: number, plane: number, lut: Uint8Array): Uint8Array {
  const out = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    let best = data[p]!;
    let k = 0;
    for (let j = 1; j < c; j++) {
      const v = data[j * plane + p]!;
      if (v > best) {
        best = v;
        k = j;
      }
    }
    out[p] = lut[k]!;
  }
  return out;
}

describe("SimdArgmax", () => {
  const kernel = SimdArgmax.create();
  it.runIf(kernel !== undefined)(
    "equals the definition over several tiles, ties included, for C = 1, 2, 19 (C = 1 reads no plane past the logits)",
    () => {
      const rng = new Rng(11);
      for (const c of [19, 2, 1]) {
        const plane = 16 * 300; // more than one 2048-pixel tile
        // Fill the kernel's memory past the logits with large values first: a read beyond the
        // last plane would win the argmax somewhere.
        const past = kernel!.logitsView(c + 1, plane);
        past.fill(1e30);
        const data = new Float32Array(c * plane);
        for (let i = 0; i < data.length; i++) data[i] = Math.round(rng.next() * 40) / 4; // many ties
        const lut = Uint8Array.from({ length: c }, (_, k) => 7 + k);
        const r = kernel!.argmax(data, c, plane, lut, 0, plane);
        expect(r.end).toBe(plane);
        const exp = reference(data, c, plane, lut);
        expect(Buffer.from(r.labels.subarray(0, plane)).equals(Buffer.from(exp)), `C = ${c}`).toBe(true);
      }
    },
  );
});
