import type { Encoding } from "../frames/frame.js";
import { bilinearAxis, type AxisTable } from "../frames/image-ops.js";
import type { InputGeometry } from "./adapters/types.js";

/** The manifest's input section, as far as preprocessing needs it. */
export interface PreprocessSpec {
  readonly width: number;
  readonly height: number;
  readonly channelOrder: "rgb" | "bgr";
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Applied to 0..255 values before mean/std. */
  readonly scale: number;
  readonly resize: "stretch" | "letterbox";
  /** Letterbox fill in 0..255 units. */
  readonly padValue: number;
}

export interface PixelSource {
  readonly width: number;
  readonly height: number;
  readonly encoding: Encoding;
  readonly data: Uint8Array;
}

/** Where the frame lands in the network input (letterbox; stretch covers it all). */
export interface Placement {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  /** Letterbox gain r = min(netW/w, netH/h); undefined for stretch. */
  readonly scale?: number;
}

/** Ultralytics LetterBox: r = min(netW/w, netH/h), content round(size·r), pad round(d/2 ∓ 0.1). */
export function letterboxPlacement(srcW: number, srcH: number, netW: number, netH: number): Placement {
  const r = Math.min(netW / srcW, netH / srcH);
  const w = Math.min(netW, Math.max(1, Math.round(srcW * r)));
  const h = Math.min(netH, Math.max(1, Math.round(srcH * r)));
  const left = Math.max(0, Math.round((netW - w) / 2 - 0.1));
  const top = Math.max(0, Math.round((netH - h) / 2 - 0.1));
  return { left, top, width: w, height: h, scale: r };
}

const TABLE_CACHE_SIZE = 8;

/**
 * One-pass preprocessing into a reused NCHW Float32Array: bilinear resize (align_corners=False,
 * index/weight tables cached per (source size, target size)), channel reorder, scale, mean/std
 * and HWC→CHW, with stretch or letterbox (padValue fill). No per-pixel or per-frame allocation
 * once the tables for a frame size exist. Not thread-safe: one Preprocessor per worker.
 */
export class Preprocessor {
  /** The network input, 3 × height × width, reused for every frame. */
  readonly tensor: Float32Array;
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  private readonly tables = new Map<string, { xs: AxisTable; ys: AxisTable }>();

  constructor(readonly spec: PreprocessSpec) {
    if (
      !Number.isInteger(spec.width) ||
      spec.width <= 0 ||
      !Number.isInteger(spec.height) ||
      spec.height <= 0
    ) {
      throw new RangeError(`network input size must be positive integers, got ${spec.width}x${spec.height}`);
    }
    this.tensor = new Float32Array(3 * spec.width * spec.height);
    // out = (p·scale − mean) / std = p·a + b, per network channel.
    this.a = Float32Array.from([0, 1, 2], (c) => spec.scale / spec.std[c]!);
    this.b = Float32Array.from([0, 1, 2], (c) => -spec.mean[c]! / spec.std[c]!);
  }

  private axisTables(
    srcW: number,
    srcH: number,
    dstW: number,
    dstH: number,
  ): { xs: AxisTable; ys: AxisTable } {
    const key = `${srcW}x${srcH}>${dstW}x${dstH}`;
    let t = this.tables.get(key);
    if (t === undefined) {
      if (this.tables.size >= TABLE_CACHE_SIZE) {
        const oldest = this.tables.keys().next().value;
        if (oldest !== undefined) this.tables.delete(oldest);
      }
      t = { xs: bilinearAxis(srcW, dstW), ys: bilinearAxis(srcH, dstH) };
      this.tables.set(key, t);
    }
    return t;
  }

  /** Source byte offset of each network channel within a pixel, and bytes per pixel. */
  private channelMap(encoding: Encoding): { bpp: number; s0: number; s1: number; s2: number } {
    const wantRgb = this.spec.channelOrder === "rgb";
    switch (encoding) {
      case "rgb8":
        return wantRgb ? { bpp: 3, s0: 0, s1: 1, s2: 2 } : { bpp: 3, s0: 2, s1: 1, s2: 0 };
      case "bgr8":
        return wantRgb ? { bpp: 3, s0: 2, s1: 1, s2: 0 } : { bpp: 3, s0: 0, s1: 1, s2: 2 };
      case "mono8":
        return { bpp: 1, s0: 0, s1: 0, s2: 0 };
      case "mono16":
        throw new TypeError(
          "preprocess: mono16 frames are not supported as network input (convert to mono8 or rgb8)",
        );
    }
  }

  /** Fills `tensor` from the frame and returns how the frame maps onto the network input. */
  run(src: PixelSource): InputGeometry {
    const { width: netW, height: netH } = this.spec;
    const { width: srcW, height: srcH, data } = src;
    const { bpp, s0, s1, s2 } = this.channelMap(src.encoding);
    if (data.length < srcW * srcH * bpp) {
      throw new RangeError(
        `preprocess: ${src.encoding} frame ${srcW}x${srcH} needs ${srcW * srcH * bpp} bytes, got ${data.length}`,
      );
    }
    const place: Placement =
      this.spec.resize === "letterbox"
        ? letterboxPlacement(srcW, srcH, netW, netH)
        : { left: 0, top: 0, width: netW, height: netH };
    const plane = netW * netH;
    const out = this.tensor;
    const a0 = this.a[0]!,
      a1 = this.a[1]!,
      a2 = this.a[2]!;
    const b0 = this.b[0]!,
      b1 = this.b[1]!,
      b2 = this.b[2]!;
    if (place.width !== netW || place.height !== netH) {
      const p = this.spec.padValue;
      out.fill(p * a0 + b0, 0, plane);
      out.fill(p * a1 + b1, plane, 2 * plane);
      out.fill(p * a2 + b2, 2 * plane, 3 * plane);
    }
    const { xs, ys } = this.axisTables(srcW, srcH, place.width, place.height);
    const xi0 = xs.i0,
      xi1 = xs.i1,
      xw = xs.w1;
    const stride = srcW * bpp;
    for (let y = 0; y < place.height; y++) {
      const r0 = ys.i0[y]! * stride;
      const r1 = ys.i1[y]! * stride;
      const wy = ys.w1[y]!;
      let o = (place.top + y) * netW + place.left;
      for (let x = 0; x < place.width; x++, o++) {
        const c0 = xi0[x]! * bpp;
        const c1 = xi1[x]! * bpp;
        const wx = xw[x]!;
        const p00 = r0 + c0,
          p01 = r0 + c1,
          p10 = r1 + c0,
          p11 = r1 + c1;
        let t = data[p00 + s0]! + (data[p01 + s0]! - data[p00 + s0]!) * wx;
        let u = data[p10 + s0]! + (data[p11 + s0]! - data[p10 + s0]!) * wx;
        out[o] = (t + (u - t) * wy) * a0 + b0;
        t = data[p00 + s1]! + (data[p01 + s1]! - data[p00 + s1]!) * wx;
        u = data[p10 + s1]! + (data[p11 + s1]! - data[p10 + s1]!) * wx;
        out[plane + o] = (t + (u - t) * wy) * a1 + b1;
        t = data[p00 + s2]! + (data[p01 + s2]! - data[p00 + s2]!) * wx;
        u = data[p10 + s2]! + (data[p11 + s2]! - data[p10 + s2]!) * wx;
        out[2 * plane + o] = (t + (u - t) * wy) * a2 + b2;
      }
    }
    const base = { netWidth: netW, netHeight: netH, frameWidth: srcW, frameHeight: srcH };
    return this.spec.resize === "letterbox"
      ? { ...base, resize: "letterbox", scale: place.scale ?? 1, padX: place.left, padY: place.top }
      : { ...base, resize: "stretch" };
  }
}
