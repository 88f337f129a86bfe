import sharp, { type Metadata, type Sharp } from "sharp";
import type { Encoding, RawImage } from "./frame.js";
import { PNG_SIGNATURE, decodePngFast } from "./png-decode.js";

export type { RawImage };

// One libvips thread per call: the pipeline already runs codecs concurrently, and the machine is small.
sharp.concurrency(1);
sharp.cache(false);

const CHANNELS: Readonly<Record<Encoding, 1 | 3>> = { rgb8: 3, bgr8: 3, mono8: 1, mono16: 1 };

function swapRB(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    out[i] = data[i + 2]!;
    out[i + 1] = data[i + 1]!;
    out[i + 2] = data[i]!;
  }
  return out;
}

function sharpInput(img: RawImage): Sharp {
  const { width, height, encoding } = img;
  const data = encoding === "bgr8" ? swapRB(img.data) : img.data;
  if (encoding === "mono16") {
    return sharp(data, {
      raw: { width, height, channels: 1, premultiplied: false },
      limitInputPixels: false,
    }).toColourspace("grey16");
  }
  const s = sharp(data, { raw: { width, height, channels: CHANNELS[encoding] }, limitInputPixels: false });
  return encoding === "mono8" ? s.toColourspace("b-w") : s;
}

function checkLength(img: RawImage): void {
  const bpp = img.encoding === "mono16" ? 2 : CHANNELS[img.encoding];
  const expected = img.width * img.height * bpp;
  if (img.data.length !== expected) {
    throw new RangeError(
      `image data length ${img.data.length} does not match ${img.width}x${img.height} ${img.encoding} (expected ${expected})`,
    );
  }
}

/** Encodes rgb8/bgr8 (as RGB), mono8 or mono16 (16-bit greyscale) to PNG. Deterministic. */
export async function encodePng(
  img: RawImage,
  opts: { compressionLevel?: number } = {},
): Promise<Uint8Array> {
  checkLength(img);
  const level = opts.compressionLevel ?? 6;
  if (img.encoding === "mono16") {
    // sharp reads raw 16-bit input when given a Uint16Array.
    const u16 = new Uint16Array(img.width * img.height);
    new Uint8Array(u16.buffer).set(img.data);
    const buf = await sharp(u16, { raw: { width: img.width, height: img.height, channels: 1 } })
      .toColourspace("grey16")
      .png({ compressionLevel: level, adaptiveFiltering: false })
      .toBuffer();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const buf = await sharpInput(img).png({ compressionLevel: level, adaptiveFiltering: false }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encodes rgb8/bgr8/mono8 to JPEG. */
export async function encodeJpeg(img: RawImage, opts: { quality?: number } = {}): Promise<Uint8Array> {
  checkLength(img);
  if (img.encoding === "mono16") throw new TypeError("JPEG cannot hold mono16 images");
  const buf = await sharpInput(img)
    .jpeg({ quality: opts.quality ?? 90 })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Greyscale or colour, 8 or 16 bits: read from the PNG header (IHDR bit depth and colour type)
 * without a decoder round trip; other formats ask sharp for their metadata.
 */
async function colourKind(bytes: Uint8Array, input: string): Promise<{ grey: boolean; sixteen: boolean }> {
  if (bytes.length >= 33 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const depth = bytes[24]!;
    const colourType = bytes[25]!; // 0 grey, 2 rgb, 3 palette, 4 grey+alpha, 6 rgba
    return { grey: colourType === 0 || colourType === 4, sixteen: depth === 16 };
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new Error(`${input}: not a readable PNG/JPEG (${e instanceof Error ? e.message : String(e)})`);
  }
  const sixteen = meta.depth === "ushort" || meta.depth === "short";
  const grey =
    meta.channels === 1 ||
    (meta.channels === 2 && meta.space !== "srgb") ||
    meta.space === "b-w" ||
    meta.space === "grey16";
  return { grey, sixteen };
}

export interface DecodeOptions {
  /**
   * Decode the common PNG kinds (8-bit RGB/RGBA/grey, 16-bit grey, not interlaced) on the
   * calling thread (png-decode.ts: cheaper than sharp, and the CPU is the caller's thread's).
   * For a thread that exists to read, such as a replay's reader thread — not for the
   * pipeline's main thread, where sharp keeps the work off the event loop. Default false.
   */
  readonly onThisThread?: boolean;
}

/**
 * Decodes a PNG or JPEG. Colour images become rgb8 (alpha dropped), greyscale becomes
 * mono8, 16-bit greyscale becomes mono16. `input` names the file in error messages.
 * Throws an Error naming the input when the bytes are not a readable image.
 */
export async function decodeImage(
  bytes: Uint8Array,
  input: string,
  want?: "rgb8" | "mono8" | "mono16",
  opts: DecodeOptions = {},
): Promise<RawImage> {
  if (opts.onThisThread === true) {
    const fast = decodePngFast(bytes, input, want);
    if (fast !== undefined) return fast;
  }
  const { grey, sixteen } =
    want !== undefined ? { grey: false, sixteen: false } : await colourKind(bytes, input);
  const target: "rgb8" | "mono8" | "mono16" = want ?? (grey ? (sixteen ? "mono16" : "mono8") : "rgb8");
  try {
    let pipe = sharp(bytes, { limitInputPixels: false });
    if (target === "rgb8") pipe = pipe.removeAlpha().toColourspace("srgb");
    else if (target === "mono8") pipe = pipe.removeAlpha().toColourspace("b-w");
    else pipe = pipe.removeAlpha().toColourspace("grey16");
    const { data, info } = await pipe
      .raw({ depth: target === "mono16" ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const expected = info.width * info.height * (target === "rgb8" ? 3 : target === "mono16" ? 2 : 1);
    if (out.length !== expected) {
      throw new Error(
        `decoded ${out.length} bytes, expected ${expected} for ${info.width}x${info.height} ${target}`,
      );
    }
    return { width: info.width, height: info.height, encoding: target, data: out };
  } catch (e) {
    throw new Error(`${input}: cannot decode image (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** PNG alias of decodeImage. */
export const decodePng = decodeImage;
