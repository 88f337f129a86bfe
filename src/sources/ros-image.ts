import { decodeImage, encodeJpeg, encodePng } from "../frames/codec.js";
import { BYTES_PER_PIXEL, makeFrame, type Encoding, type Frame, type FrameMeta } from "../frames/frame.js";

/**
 * Pure conversions between `sensor_msgs/(msg/)Image` / `CompressedImage` messages (as plain
 * objects, the shape @foxglove/rosmsg2-serialization reads and writes) and Frames.
 * Shared by the MCAP source, the ROS 2 source/sink and the MCAP recorder.
 */

/** builtin_interfaces/Time (ROS 1 `time` is mapped to the same shape). */
export interface RosTime {
  readonly sec: number;
  readonly nanosec: number;
}

export interface RosHeader {
  readonly stamp: RosTime;
  readonly frame_id: string;
}

export interface ImageMsg {
  readonly header: RosHeader;
  readonly height: number;
  readonly width: number;
  readonly encoding: string;
  readonly is_bigendian: number;
  readonly step: number;
  readonly data: Uint8Array;
}

export interface CompressedImageMsg {
  readonly header: RosHeader;
  readonly format: string;
  readonly data: Uint8Array;
}

/** A message that is well-formed but not usable as a frame (unsupported encoding, short data…). */
export class BadMessageError extends Error {
  override readonly name = "BadMessageError";
}

export function stampToNs(t: RosTime): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nanosec);
}

/** ns → Time with nanosec in [0, 1e9) (negative stamps get a negative sec, as ROS does). */
export function nsToStamp(ns: bigint): RosTime {
  let sec = ns / 1_000_000_000n;
  let nanosec = ns % 1_000_000_000n;
  if (nanosec < 0n) {
    nanosec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nanosec: Number(nanosec) };
}

export interface MsgToFrameOptions {
  readonly id: number;
  readonly sourceId: string;
  /** Used when the header stamp is zero (unset), e.g. the MCAP log time. */
  readonly fallbackStampNs?: bigint;
  /** Extra metadata (topic, uri…) merged into frame.meta. */
  readonly meta?: FrameMeta;
}

/** Header stamp in ns, or `fallback` when the stamp is zero (an unset header). */
export function headerStampNs(header: RosHeader, fallback?: bigint): bigint {
  const ns = stampToNs(header.stamp);
  return ns === 0n && fallback !== undefined ? fallback : ns;
}

interface SourceLayout {
  readonly bpp: number;
  readonly out: Encoding;
  /** Byte offsets of the output channels within a source pixel (alpha dropped). */
  readonly pick?: readonly number[];
  readonly sixteen?: boolean;
}

const LAYOUTS: Readonly<Record<string, SourceLayout>> = {
  rgb8: { bpp: 3, out: "rgb8" },
  bgr8: { bpp: 3, out: "bgr8" },
  mono8: { bpp: 1, out: "mono8" },
  "8UC1": { bpp: 1, out: "mono8" },
  "8UC3": { bpp: 3, out: "bgr8" }, // OpenCV channel order
  mono16: { bpp: 2, out: "mono16", sixteen: true },
  "16UC1": { bpp: 2, out: "mono16", sixteen: true },
  rgba8: { bpp: 4, out: "rgb8", pick: [0, 1, 2] },
  bgra8: { bpp: 4, out: "bgr8", pick: [0, 1, 2] },
  "8UC4": { bpp: 4, out: "bgr8", pick: [0, 1, 2] },
};

/** Image encodings `imageMsgToFrame` accepts. */
export const SUPPORTED_IMAGE_ENCODINGS: readonly string[] = Object.keys(LAYOUTS);

/**
 * Image message → Frame (tightly packed rows). rgb8/bgr8/mono8/mono16 map directly; 8UC1/8UC3/16UC1
 * are read as mono8/bgr8/mono16; rgba8/bgra8/8UC4 drop alpha. Row padding (`step` > width·bpp) is
 * removed; big-endian 16-bit data is byte-swapped to the Frame's little-endian. Always copies, so
 * the frame never pins a larger (chunk) buffer. Throws BadMessageError for other encodings or
 * inconsistent sizes. stampNs: header stamp, or `fallbackStampNs` when the stamp is zero.
 */
export function imageMsgToFrame(msg: ImageMsg, opts: MsgToFrameOptions): Frame {
  const { width, height, step, data } = msg;
  const layout = LAYOUTS[msg.encoding];
  if (!layout) {
    throw new BadMessageError(
      `unsupported image encoding "${msg.encoding}" (supported: ${SUPPORTED_IMAGE_ENCODINGS.join(", ")})`,
    );
  }
  if (!(width > 0 && height > 0))
    throw new BadMessageError(`image size must be positive, got ${width}x${height}`);
  const rowBytes = width * layout.bpp;
  if (step < rowBytes) {
    throw new BadMessageError(
      `step ${step} is less than width·bpp = ${rowBytes} for ${width}x${height} ${msg.encoding}`,
    );
  }
  // The last row may omit its padding.
  const needed = step * (height - 1) + rowBytes;
  if (data.length < needed) {
    throw new BadMessageError(
      `data has ${data.length} bytes, expected ${step * height} (step ${step} × height ${height}) for ${msg.encoding}`,
    );
  }
  const outBpp = BYTES_PER_PIXEL[layout.out];
  const out = new Uint8Array(width * height * outBpp);
  if (layout.pick) {
    const pick = layout.pick;
    for (let y = 0; y < height; y++) {
      let s = y * step;
      let d = y * width * outBpp;
      for (let x = 0; x < width; x++, s += layout.bpp) for (const c of pick) out[d++] = data[s + c]!;
    }
  } else if (step === rowBytes) {
    out.set(data.subarray(0, rowBytes * height));
  } else {
    for (let y = 0; y < height; y++) out.set(data.subarray(y * step, y * step + rowBytes), y * rowBytes);
  }
  if (layout.sixteen && msg.is_bigendian) {
    for (let i = 0; i < out.length; i += 2) {
      const a = out[i]!;
      out[i] = out[i + 1]!;
      out[i + 1] = a;
    }
  }
  return makeFrame({
    id: opts.id,
    stampNs: headerStampNs(msg.header, opts.fallbackStampNs),
    sourceId: opts.sourceId,
    width,
    height,
    encoding: layout.out,
    data: out,
    meta: { ...opts.meta, frameId: msg.header.frame_id },
  });
}

/** `png` | `jpeg` | undefined (let the decoder sniff) from a CompressedImage `format` string. */
export function compressedFormatKind(format: string): "png" | "jpeg" | undefined {
  const f = format.toLowerCase();
  if (/\bpng\b/.test(f)) return "png";
  if (/\bjpe?g\b/.test(f)) return "jpeg";
  return undefined;
}

/**
 * CompressedImage (jpeg/png, including compressed_image_transport strings such as
 * `"bgr8; jpeg compressed bgr8"` or `"16UC1; png compressed "`) → Frame: colour images become
 * rgb8 (the JPEG/PNG itself carries colour order), greyscale mono8, 16-bit greyscale mono16.
 * `compressedDepth` (depth_image_transport's headered PNG) → BadMessageError. Other decode
 * failures throw a plain Error (a `decode-failed` problem for callers).
 */
export async function compressedToFrame(
  msg: CompressedImageMsg,
  opts: MsgToFrameOptions & { input?: string; decodeOnThisThread?: boolean },
): Promise<Frame> {
  if (/compresseddepth/i.test(msg.format)) {
    throw new BadMessageError(`unsupported CompressedImage format "${msg.format}" (compressedDepth)`);
  }
  const kind = compressedFormatKind(msg.format);
  if (kind === undefined && msg.format.trim() !== "" && !/tiff?|webp/i.test(msg.format)) {
    throw new BadMessageError(`unsupported CompressedImage format "${msg.format}" (expected jpeg or png)`);
  }
  const img = await decodeImage(msg.data, opts.input ?? `CompressedImage(${msg.format})`, undefined, {
    onThisThread: opts.decodeOnThisThread === true,
  });
  return makeFrame({
    id: opts.id,
    stampNs: headerStampNs(msg.header, opts.fallbackStampNs),
    sourceId: opts.sourceId,
    width: img.width,
    height: img.height,
    encoding: img.encoding,
    data: img.data,
    meta: { ...opts.meta, frameId: msg.header.frame_id },
  });
}

/** Header for a frame: its stamp and `meta.frameId` (or `frameId` when given). */
export function frameHeader(frame: Frame, frameId?: string): RosHeader {
  return { stamp: nsToStamp(frame.stampNs), frame_id: frameId ?? frame.meta.frameId ?? "" };
}

/** Frame → Image message (step = width·bpp, little-endian). `data` is shared, not copied. */
export function frameToImageMsg(frame: Frame, header: RosHeader = frameHeader(frame)): ImageMsg {
  return {
    header,
    height: frame.height,
    width: frame.width,
    encoding: frame.encoding,
    is_bigendian: 0,
    step: frame.width * BYTES_PER_PIXEL[frame.encoding],
    data: frame.data,
  };
}

/** Frame → CompressedImage message (`format` "png" or "jpeg"; mono16 only as png). */
export async function frameToCompressedMsg(
  frame: Frame,
  format: "png" | "jpeg",
  header: RosHeader = frameHeader(frame),
  opts: { quality?: number } = {},
): Promise<CompressedImageMsg> {
  const raw = { width: frame.width, height: frame.height, encoding: frame.encoding, data: frame.data };
  const data = format === "png" ? await encodePng(raw) : await encodeJpeg(raw, opts);
  return { header, format, data };
}
