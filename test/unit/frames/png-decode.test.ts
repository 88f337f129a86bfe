import zlib, { deflateSync, inflateSync } from "node:zlib";
import sharp, { type PngOptions } from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../../src/frames/codec.js";
import { decodePngFast } from "../../../src/frames/png-decode.js";
import { Rng } from "../../../src/synth/rng.js";

const crc32 = (zlib as unknown as { crc32: (d: Uint8Array) => number }).crc32;

/**
 * Bands of rows that favour different filters (flat, horizontal ramps, vertical ramps, smooth
 * 2-D ramps, noise), so the encoder's adaptive filtering picks every filter type.
 */
function texture(w: number, h: number, channels: number, seed: number, max = 255): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++) {
        let v: number;
        switch (Math.floor(y / 4) % 5) {
          case 0:
            v = 40 * (c + 1);
            break;
          case 1:
            v = x * 5 + c * 17 + (rng.next() < 0.1 ? 3 : 0);
            break;
          case 2:
            v = y * 7 + c * 11 + ((x * 37) % 13);
            break;
          case 3:
            v = (x * x + y * y) / 8 + c * 5;
            break;
          default:
            v = rng.next() * 255;
        }
        out[(y * w + x) * channels + c] = Math.round(v * (max / 255)) & 255;
      }
  return out;
}

async function sharpPng(
  data: Uint8Array | Uint16Array,
  w: number,
  h: number,
  channels: 1 | 2 | 3 | 4,
  png: PngOptions,
  colourspace?: string,
): Promise<Uint8Array> {
  let s = sharp(data, { raw: { width: w, height: h, channels } });
  if (colourspace !== undefined) s = s.toColourspace(colourspace);
  const buf = await s.png(png).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The filter type of every row of an 8-bit PNG (one byte per channel, IHDR's colour type). */
function rowFilters(png: Uint8Array): Set<number> {
  const [ihdr, ...rest] = chunks(png);
  const dv = new DataView(ihdr!.data.buffer, ihdr!.data.byteOffset);
  const [w, h] = [dv.getUint32(0), dv.getUint32(4)];
  const bpp = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[ihdr!.data[9]!]!;
  const raw = inflateSync(Buffer.concat(rest.filter((c) => c.type === "IDAT").map((c) => c.data)));
  return new Set(Array.from({ length: h }, (_, y) => raw[y * (w * bpp + 1)]!));
}

function chunks(png: Uint8Array): { type: string; data: Uint8Array; at: number }[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = [];
  for (let p = 8; p < png.length;) {
    const len = dv.getUint32(p);
    out.push({
      type: Buffer.from(png.subarray(p + 4, p + 8)).toString("latin1"),
      data: png.subarray(p + 8, p + 8 + len),
      at: p,
    });
    p += 12 + len;
  }
  return out;
}

/** A PNG built by hand: IHDR, one IDAT of `raw` (filter bytes included) deflated, IEND. */
function buildPng(
  w: number,
  h: number,
  depth: number,
  colourType: number,
  raw: Uint8Array,
  filterMethod = 0,
): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  ihdr[11] = filterMethod;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([
      sig,
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(raw)),
      chunk("IEND", new Uint8Array(0)),
    ]),
  );
}

/** The reference: sharp (decodeImage without the fast path). */
const viaSharp = (png: Uint8Array, want?: "rgb8" | "mono8" | "mono16") => decodeImage(png, "ref.png", want);

describe("decodePngFast", () => {
  const W = 97; // odd, so rows do not align to anything
  const H = 41;

  for (const adaptiveFiltering of [true, false]) {
    it(`equals sharp for 8-bit RGB, RGBA, grey and grey+alpha (adaptive filtering ${adaptiveFiltering})`, async () => {
      const seen = new Set<number>();
      for (const channels of [3, 4, 1, 2] as const) {
        const png = await sharpPng(
          texture(W, H, channels, channels),
          W,
          H,
          channels,
          { adaptiveFiltering, compressionLevel: 6 },
          channels <= 2 ? "b-w" : undefined,
        );
        // IHDR colour type: grey, grey + alpha, RGB, RGBA.
        expect(png[25], `channels ${channels}`).toBe({ 1: 0, 2: 4, 3: 2, 4: 6 }[channels]);
        for (const f of rowFilters(png)) seen.add(f);
        const fast = decodePngFast(png, "t.png");
        const ref = await viaSharp(png);
        expect(fast, `channels ${channels}`).toBeDefined();
        expect(fast!.encoding).toBe(ref.encoding);
        expect([fast!.width, fast!.height]).toEqual([W, H]);
        expect(Buffer.from(fast!.data).equals(Buffer.from(ref.data)), `channels ${channels}`).toBe(true);
      }
      // The comparison means something only if the rows used the filters it claims to cover.
      expect([...seen].sort()).toEqual(adaptiveFiltering ? [0, 1, 2, 3, 4] : [0]);
    });
  }

  it("equals sharp for 16-bit greyscale (little-endian mono16)", async () => {
    const u16 = new Uint16Array(W * H).map((_, i) => (i * 2654435761) % 65536);
    const png = await sharpPng(u16, W, H, 1, { adaptiveFiltering: true }, "grey16");
    const fast = decodePngFast(png, "d.png");
    const ref = await viaSharp(png);
    expect(fast?.encoding).toBe("mono16");
    expect(Buffer.from(fast!.data).equals(Buffer.from(ref.data))).toBe(true);
    expect(new Uint16Array(fast!.data.slice().buffer)[5]).toBe(u16[5]);
  });

  it("decodes every filter type on the first row and across many IDAT chunks", async () => {
    // Hand-made: rows 0-4 use filters 0-4 (row 0 has no row above, row 1's Paeth/Average read
    // row 0), then the same again; split into several IDAT chunks by re-encoding with sharp.
    const w = 5;
    const h = 10;
    const bpp = 3;
    const pixels = texture(w, h, bpp, 9);
    const raw = new Uint8Array(h * (w * bpp + 1));
    for (let y = 0; y < h; y++) {
      const f = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0][y]!;
      raw[y * (w * bpp + 1)] = f;
      for (let i = 0; i < w * bpp; i++) {
        const x = pixels[y * w * bpp + i]!;
        const a = i >= bpp ? pixels[y * w * bpp + i - bpp]! : 0;
        const b = y > 0 ? pixels[(y - 1) * w * bpp + i]! : 0;
        const c = i >= bpp && y > 0 ? pixels[(y - 1) * w * bpp + i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
        raw[y * (w * bpp + 1) + 1 + i] = (x - pred) & 255;
      }
    }
    const png = buildPng(w, h, 8, 2, raw);
    expect(Array.from(decodePngFast(png, "h.png")!.data)).toEqual(Array.from(pixels));
    expect(Array.from((await viaSharp(png)).data)).toEqual(Array.from(pixels));
  });

  it("leaves to sharp what it does not cover: palette, interlaced, 16-bit RGB, ICC profile, another encoding", async () => {
    const rgb = texture(W, H, 3, 1);
    const palette = await sharpPng(rgb, W, H, 3, { palette: true });
    const interlaced = await sharpPng(rgb, W, H, 3, { progressive: true });
    const rgb16 = await sharpPng(new Uint16Array(W * H * 3).fill(300), W, H, 3, {}, "rgb16");
    const icc = new Uint8Array(
      await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .withMetadata({ icc: "p3" })
        .png()
        .toBuffer(),
    );
    expect(chunks(icc).some((c) => c.type === "iCCP")).toBe(true);
    for (const [name, png] of Object.entries({ palette, interlaced, rgb16, icc })) {
      expect(decodePngFast(png, `${name}.png`), name).toBeUndefined();
      // decodeImage still reads it (through sharp) with the fast path asked for.
      const img = await decodeImage(png, `${name}.png`, undefined, { onThisThread: true });
      expect(img.width, name).toBe(W);
    }
    const plain = await sharpPng(rgb, W, H, 3, {});
    expect(decodePngFast(plain, "p.png", "mono8")).toBeUndefined();
    expect(decodePngFast(plain, "p.png", "rgb8")).toBeDefined();
    expect(decodePngFast(new Uint8Array([1, 2, 3]), "x.jpg")).toBeUndefined();
    // A filter method that does not exist: sharp reports the file.
    expect(decodePngFast(buildPng(2, 2, 8, 2, new Uint8Array(14), 1), "m.png")).toBeUndefined();
    expect(decodePngFast(buildPng(2, 2, 8, 2, new Uint8Array(14)), "m.png")).toBeDefined();
  });

  it("names the input and the fault for a damaged PNG", async () => {
    const png = await sharpPng(texture(W, H, 3, 2), W, H, 3, { adaptiveFiltering: true });
    const idat = chunks(png).find((c) => c.type === "IDAT")!;

    const flipped = png.slice();
    flipped[idat.at + 8 + 20]! ^= 0x40;
    expect(() => decodePngFast(flipped, "cam/f7.png")).toThrow(
      /^cam\/f7\.png: damaged PNG \(CRC of the IDAT chunk at byte \d+: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/,
    );

    const truncated = png.subarray(0, idat.at + 8 + 100);
    expect(() => decodePngFast(truncated, "cut.png")).toThrow(
      /^cut\.png: damaged PNG \(chunk at byte \d+ of \d+ bytes runs past the end/,
    );

    const noEnd = png.subarray(0, png.length - 12);
    expect(() => decodePngFast(noEnd, "noend.png")).toThrow(
      "noend.png: damaged PNG (no IEND chunk: the file is truncated)",
    );

    const badFilter = new Uint8Array(3 * (2 * 3 + 1));
    badFilter[7] = 7; // row 1's filter byte
    expect(() => decodePngFast(buildPng(2, 3, 8, 2, badFilter), "f.png")).toThrow(
      "f.png: damaged PNG (row 1 has filter type 7 (0-4 exist))",
    );

    const long = buildPng(4, 4, 8, 2, new Uint8Array(1000));
    expect(() => decodePngFast(long, "l.png")).toThrow(
      "l.png: damaged PNG (image data inflates to more than the 52 bytes of 4x4)",
    );

    const short = buildPng(4, 4, 8, 2, new Uint8Array(3 * 13));
    expect(() => decodePngFast(short, "s.png")).toThrow(
      "s.png: damaged PNG (image data inflates to 39 bytes, expected 52 for 4x4)",
    );
  });

  it("is the images replay's decoder: a corrupt file fails through decodeImage with its name", async () => {
    const png = await sharpPng(texture(8, 8, 3, 3), 8, 8, 3, {});
    const bad = png.slice();
    const idat = chunks(png).find((c) => c.type === "IDAT")!;
    bad[idat.at + 9]! ^= 1;
    await expect(decodeImage(bad, "seq/0003.png", undefined, { onThisThread: true })).rejects.toThrow(
      /^seq\/0003\.png: damaged PNG \(CRC of the IDAT chunk/,
    );
  });
});
