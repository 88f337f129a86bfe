import { describe, expect, it } from "vitest";
import { convertEncoding, resizeBilinear, resizeNearest } from "../../../src/frames/image-ops.js";

describe("resizeBilinear", () => {
  it("upsamples 2→4 with half-pixel centres (align_corners=False)", () => {
    // src x centres at 0.5, 1.5; dst sample d maps to s = (d+0.5)/2 - 0.5 → -0.25(→0), 0.25, 0.75, 1.25(→clamped 1)
    const out = resizeBilinear(new Uint8Array([0, 100]), 2, 1, 1, 4, 1);
    expect(Array.from(out)).toEqual([0, 25, 75, 100]);
  });

  it("downsamples 4→2 by averaging neighbours", () => {
    const out = resizeBilinear(new Uint8Array([0, 40, 80, 120]), 4, 1, 1, 2, 1);
    // s = (d+0.5)*2-0.5 = 0.5, 2.5 → 20, 100
    expect(Array.from(out)).toEqual([20, 100]);
  });

  it("keeps channels separate and is identity at the same size", () => {
    const rgb = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(resizeBilinear(rgb, 2, 2, 3, 2, 2))).toEqual(Array.from(rgb));
  });

  it("rejects a wrong source length with the values", () => {
    expect(() => resizeBilinear(new Uint8Array(5), 2, 2, 3, 4, 4)).toThrow("source length 5 != 2x2x3");
  });
});

describe("resizeNearest", () => {
  it("samples pixel centres", () => {
    const out = resizeNearest(new Uint8Array([1, 2, 3, 4]), 2, 2, 4, 4, new Uint8Array(16));
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
});

describe("convertEncoding", () => {
  it("swaps rgb and bgr", () => {
    expect(Array.from(convertEncoding(new Uint8Array([1, 2, 3]), 1, 1, "rgb8", "bgr8"))).toEqual([3, 2, 1]);
  });
  it("expands mono8 and computes BT.601 luma", () => {
    expect(Array.from(convertEncoding(new Uint8Array([9]), 1, 1, "mono8", "rgb8"))).toEqual([9, 9, 9]);
    // 0.299*255 + 0.587*0 + 0.114*0 = 76.2 → 76
    expect(Array.from(convertEncoding(new Uint8Array([255, 0, 0]), 1, 1, "rgb8", "mono8"))).toEqual([76]);
    expect(Array.from(convertEncoding(new Uint8Array([0, 0, 255]), 1, 1, "bgr8", "mono8"))).toEqual([76]);
  });
  it("takes the high byte of little-endian mono16", () => {
    expect(Array.from(convertEncoding(new Uint8Array([0x34, 0x12]), 1, 1, "mono16", "mono8"))).toEqual([
      0x12,
    ]);
  });
});
