import { inflateSync } from "node:zlib";
import { nativeCrc32 } from "../util/native-crc32.js";
import type { Encoding, RawImage } from "./frame.js";

/**
 * A PNG decoder for the images replays read most — Cityscapes-style 8-bit RGB and greyscale and
 * 16-bit greyscale, not interlaced — done here with zlib's inflate and the five row filters, so
 * the work stays on the calling thread (the replay's reader thread) instead of libvips and the
 * libuv pool, and costs less. CPU per 1024×512 synthetic frame (2-core AMD EPYC VM): without row
 * filters 8.0–8.7 ms against 12.4–12.8 through sharp (frames/codec.ts); with libpng's adaptive
 * filters 12.8–13.2 against 13.9–15.5 — zlib's inflate alone is 6.4–7.8 ms of that.
 *
 * `decodePngFast` returns undefined for every PNG it does not cover (palette, interlaced, bit
 * depths other than 8 and 16-bit greyscale, an embedded ICC profile, or an output encoding that
 * would need a colour conversion), and the caller decodes those with sharp. A PNG it covers but
 * that is damaged (bad chunk CRC, truncated, inflate error, wrong data length) throws an Error
 * naming `input` and what is wrong.
 */

/** Without it (Node < 20.15) chunk CRCs are not checked; inflate's Adler-32 and the lengths still are. */
const crc32 = nativeCrc32;

/** The eight bytes every PNG starts with. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const IHDR = 0x49484452;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
const ICCP = 0x69434350;

/** The colour types and depths decoded here, with the encoding they become. */
function covered(colourType: number, depth: number): { encoding: Encoding; channels: number } | undefined {
  if (depth === 8) {
    switch (colourType) {
      case 0:
        return { encoding: "mono8", channels: 1 };
      case 2:
        return { encoding: "rgb8", channels: 3 };
      case 4:
        return { encoding: "mono8", channels: 2 }; // grey + alpha, alpha dropped
      case 6:
        return { encoding: "rgb8", channels: 4 }; // RGBA, alpha dropped
      default:
        return undefined;
    }
  }
  if (depth === 16 && colourType === 0) return { encoding: "mono16", channels: 1 };
  return undefined;
}

/**
 * Decodes `png` when it is one of the covered kinds and `want` (if given) is its natural
 * encoding; undefined otherwise. Throws an Error naming `input` when a covered PNG is damaged.
 */
export function decodePngFast(png: Uint8Array, input: string, want?: Encoding): RawImage | undefined {
  if (png.length < 8 + 25 || !PNG_SIGNATURE.every((b, i) => png[i] === b)) return undefined;
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const fail = (what: string): Error => new Error(`${input}: damaged PNG (${what})`);

  let width = 0;
  let height = 0;
  let kind: { encoding: Encoding; channels: number } | undefined;
  let depth = 0;
  const idat: Uint8Array[] = [];
  let ended = false;
  for (let p = 8; p < png.length;) {
    if (p + 12 > png.length) throw fail(`chunk header at byte ${p} runs past the end (${png.length} bytes)`);
    const length = dv.getUint32(p);
    const type = dv.getUint32(p + 4);
    const end = p + 12 + length;
    if (end > png.length) {
      throw fail(`chunk at byte ${p} of ${length} bytes runs past the end (${png.length} bytes)`);
    }
    if (crc32 !== undefined) {
      const stored = dv.getUint32(end - 4);
      const computed = crc32(png.subarray(p + 4, end - 4)) >>> 0;
      if (stored !== computed) {
        throw fail(
          `CRC of the ${chunkName(type)} chunk at byte ${p}: stored 0x${hex(stored)}, computed 0x${hex(computed)}`,
        );
      }
    }
    if (p === 8) {
      if (type !== IHDR || length !== 13) throw fail("the first chunk is not a 13-byte IHDR");
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
      depth = png[p + 16]!;
      const colourType = png[p + 17]!;
      const interlace = png[p + 20]!;
      kind = covered(colourType, depth);
      // Compression and filter methods other than 0 do not exist; sharp reports those files.
      if (kind === undefined || interlace !== 0 || png[p + 18] !== 0 || png[p + 19] !== 0) return undefined;
      if (want !== undefined && want !== kind.encoding) return undefined;
      if (width === 0 || height === 0) throw fail(`IHDR size ${width}x${height}`);
    } else if (type === ICCP) {
      return undefined; // colour management: sharp converts to sRGB
    } else if (type === IDAT) {
      idat.push(png.subarray(p + 8, end - 4));
    } else if (type === IEND) {
      ended = true;
      break;
    }
    p = end;
  }
  if (kind === undefined) return undefined;
  if (idat.length === 0) throw fail("no IDAT chunk");
  if (!ended) throw fail("no IEND chunk: the file is truncated");

  const bpp = kind.channels * (depth / 8); // bytes per pixel in the filtered stream
  const stride = width * bpp;
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    // One output chunk of the expected size: no concatenation of 16 KiB pieces afterwards
    // (measured 6.7 against 8.8 ms per 1024×512 frame), and a stream that would inflate to
    // more than the image holds stops there (bounded memory).
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), {
      chunkSize: Math.max(64, expected),
      maxOutputLength: expected + 1,
    });
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw fail(`image data inflates to more than the ${expected} bytes of ${width}x${height}`);
    }
    throw fail(`inflate: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (raw.length !== expected) {
    throw fail(`image data inflates to ${raw.length} bytes, expected ${expected} for ${width}x${height}`);
  }
  unfilter(raw, height, stride, bpp, fail);
  return { width, height, encoding: kind.encoding, data: pack(raw, width, height, stride, kind, depth) };
}

/**
 * Reverses the row filters in place: afterwards each row's bytes (after its filter byte) are the
 * pixel bytes. Filters are applied per byte with `bpp` the distance to the left neighbour.
 */
function unfilter(
  raw: Uint8Array,
  height: number,
  stride: number,
  bpp: number,
  fail: (w: string) => Error,
): void {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    const up = row - (stride + 1); // the previous row's first byte; not read on row 0
    const filter = raw[row - 1]!;
    switch (filter) {
      case 0:
        break;
      case 1: // Sub
        for (let i = row + bpp; i < row + stride; i++) raw[i] = (raw[i]! + raw[i - bpp]!) & 255;
        break;
      case 2: // Up
        if (y > 0) for (let i = 0; i < stride; i++) raw[row + i] = (raw[row + i]! + raw[up + i]!) & 255;
        break;
      case 3: // Average
        if (y === 0) {
          for (let i = row + bpp; i < row + stride; i++) raw[i] = (raw[i]! + (raw[i - bpp]! >> 1)) & 255;
        } else if (bpp === 3) {
          averageRow3(raw, row, up, stride);
        } else {
          for (let i = 0; i < bpp; i++) raw[row + i] = (raw[row + i]! + (raw[up + i]! >> 1)) & 255;
          for (let i = bpp; i < stride; i++) {
            raw[row + i] = (raw[row + i]! + ((raw[row + i - bpp]! + raw[up + i]!) >> 1)) & 255;
          }
        }
        break;
      case 4: // Paeth
        if (y === 0) {
          // Above and upper-left are 0: the predictor is the left byte (Sub).
          for (let i = row + bpp; i < row + stride; i++) raw[i] = (raw[i]! + raw[i - bpp]!) & 255;
        } else if (bpp === 3) {
          paethRow3(raw, row, up, stride);
        } else {
          // Left and upper-left are 0 for the first pixel: the predictor is the byte above.
          for (let i = 0; i < bpp; i++) raw[row + i] = (raw[row + i]! + raw[up + i]!) & 255;
          for (let i = bpp; i < stride; i++) {
            const a = raw[row + i - bpp]!;
            const b = raw[up + i]!;
            const c = raw[up + i - bpp]!;
            const pa = Math.abs(b - c);
            const pb = Math.abs(a - c);
            const pc = Math.abs(a + b - 2 * c);
            raw[row + i] = (raw[row + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
          }
        }
        break;
      default:
        throw fail(`row ${y} has filter type ${filter} (0-4 exist)`);
    }
  }
}

/**
 * Average on an RGB row: the three channels' chains run interleaved (each byte depends on the
 * one a pixel to its left), and each channel's left byte stays in a local.
 */
function averageRow3(raw: Uint8Array, row: number, up: number, stride: number): void {
  let r = (raw[row]! + (raw[up]! >> 1)) & 255;
  let g = (raw[row + 1]! + (raw[up + 1]! >> 1)) & 255;
  let b = (raw[row + 2]! + (raw[up + 2]! >> 1)) & 255;
  raw[row] = r;
  raw[row + 1] = g;
  raw[row + 2] = b;
  for (let i = 3; i < stride; i += 3) {
    const p = row + i;
    const q = up + i;
    r = (raw[p]! + ((r + raw[q]!) >> 1)) & 255;
    g = (raw[p + 1]! + ((g + raw[q + 1]!) >> 1)) & 255;
    b = (raw[p + 2]! + ((b + raw[q + 2]!) >> 1)) & 255;
    raw[p] = r;
    raw[p + 1] = g;
    raw[p + 2] = b;
  }
}

/** The Paeth predictor of left `a`, above `b`, upper-left `c`. */
function paeth(a: number, b: number, c: number): number {
  let pa = b - c;
  let pb = a - c;
  let pc = pa + pb;
  pa = pa < 0 ? -pa : pa;
  pb = pb < 0 ? -pb : pb;
  pc = pc < 0 ? -pc : pc;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Paeth on an RGB row, channels interleaved as in averageRow3. */
function paethRow3(raw: Uint8Array, row: number, up: number, stride: number): void {
  // Left and upper-left are 0 for the first pixel: the predictor is the byte above.
  let r = (raw[row]! + raw[up]!) & 255;
  let g = (raw[row + 1]! + raw[up + 1]!) & 255;
  let b = (raw[row + 2]! + raw[up + 2]!) & 255;
  raw[row] = r;
  raw[row + 1] = g;
  raw[row + 2] = b;
  let cr = raw[up]!;
  let cg = raw[up + 1]!;
  let cb = raw[up + 2]!;
  for (let i = 3; i < stride; i += 3) {
    const p = row + i;
    const q = up + i;
    const ur = raw[q]!;
    const ug = raw[q + 1]!;
    const ub = raw[q + 2]!;
    r = (raw[p]! + paeth(r, ur, cr)) & 255;
    g = (raw[p + 1]! + paeth(g, ug, cg)) & 255;
    b = (raw[p + 2]! + paeth(b, ub, cb)) & 255;
    raw[p] = r;
    raw[p + 1] = g;
    raw[p + 2] = b;
    cr = ur;
    cg = ug;
    cb = ub;
  }
}

/** Unfiltered rows → tightly packed pixels: filter bytes and alpha dropped, 16-bit to little-endian. */
function pack(
  raw: Uint8Array,
  width: number,
  height: number,
  stride: number,
  kind: { encoding: Encoding; channels: number },
  depth: number,
): Uint8Array {
  const outChannels = kind.encoding === "rgb8" ? 3 : 1;
  const outBpp = outChannels * (depth / 8);
  const out = new Uint8Array(width * height * outBpp);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    const o = y * width * outBpp;
    if (depth === 16) {
      for (let i = 0; i < stride; i += 2) {
        out[o + i] = raw[row + i + 1]!;
        out[o + i + 1] = raw[row + i]!;
      }
    } else if (kind.channels === outChannels) {
      out.set(raw.subarray(row, row + stride), o);
    } else {
      const n = kind.channels;
      for (let x = 0, s = row, d = o; x < width; x++, s += n, d += outChannels) {
        for (let k = 0; k < outChannels; k++) out[d + k] = raw[s + k]!;
      }
    }
  }
  return out;
}

function chunkName(type: number): string {
  return String.fromCharCode((type >>> 24) & 255, (type >>> 16) & 255, (type >>> 8) & 255, type & 255);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
