import { describe, expect, it } from "vitest";
import { decodeImage, encodeJpeg, encodePng } from "../../../src/frames/codec.js";

const W = 7;
const H = 5;

describe("PNG/JPEG codec", () => {
  it("round-trips mono16 without losing 16-bit values", async () => {
    const u16 = new Uint16Array(W * H).map((_, i) => i * 1000 + 3);
    const png = await encodePng({
      width: W,
      height: H,
      encoding: "mono16",
      data: new Uint8Array(u16.buffer),
    });
    const img = await decodeImage(png, "mono16.png");
    expect(img.encoding).toBe("mono16");
    expect([img.width, img.height]).toEqual([W, H]);
    const back = new Uint16Array(img.data.slice().buffer);
    expect(Array.from(back)).toEqual(Array.from(u16));
  });

  it("round-trips mono8 as a single-channel PNG", async () => {
    const m8 = new Uint8Array(W * H).map((_, i) => i * 7);
    const img = await decodeImage(
      await encodePng({ width: W, height: H, encoding: "mono8", data: m8 }),
      "m8",
    );
    expect(img.encoding).toBe("mono8");
    expect(Array.from(img.data)).toEqual(Array.from(m8));
  });

  it("round-trips rgb8 and writes bgr8 as RGB", async () => {
    const rgb = new Uint8Array(W * H * 3).map((_, i) => (i * 13) % 256);
    const a = await decodeImage(await encodePng({ width: W, height: H, encoding: "rgb8", data: rgb }), "a");
    expect(Array.from(a.data)).toEqual(Array.from(rgb));
    const b = await decodeImage(await encodePng({ width: W, height: H, encoding: "bgr8", data: rgb }), "b");
    expect([b.data[0], b.data[1], b.data[2]]).toEqual([rgb[2], rgb[1], rgb[0]]);
  });

  it("encodes deterministically", async () => {
    const rgb = new Uint8Array(W * H * 3).map((_, i) => (i * 31) % 256);
    const a = await encodePng({ width: W, height: H, encoding: "rgb8", data: rgb });
    const b = await encodePng({ width: W, height: H, encoding: "rgb8", data: rgb });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("decodes JPEG close to the original", async () => {
    const rgb = new Uint8Array(16 * 16 * 3).fill(120);
    const img = await decodeImage(
      await encodeJpeg({ width: 16, height: 16, encoding: "rgb8", data: rgb }),
      "j",
    );
    expect(img.encoding).toBe("rgb8");
    for (const v of img.data) expect(Math.abs(v - 120)).toBeLessThanOrEqual(3);
  });

  it("names the input when bytes are not an image", async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3]), "bad.png")).rejects.toThrow(
      /^bad\.png: not a readable/,
    );
  });

  it("rejects a buffer of the wrong length with the values", async () => {
    await expect(
      encodePng({ width: 4, height: 4, encoding: "rgb8", data: new Uint8Array(5) }),
    ).rejects.toThrow("image data length 5 does not match 4x4 rgb8 (expected 48)");
  });
});
