import { Rng } from "./rng.js";

/**
 * Camera appearance applied to the rendered rgb only (ground truth stays exact): colour
 * tint for the time of day, exposure, optional mild blur, and sensor noise from a
 * seeded noise table (deterministic, no Math.random).
 */
export interface Appearance {
  readonly tint: readonly [number, number, number];
  readonly exposure: number;
  readonly gamma: number;
  /** Noise standard deviation in 8-bit levels. */
  readonly noise: number;
  readonly blur: boolean;
}

export function makeAppearance(rng: Rng, evening: boolean): Appearance {
  const warm = evening ? rng.range(0.05, 0.15) : rng.range(-0.04, 0.05);
  return {
    tint: [1 + warm, 1, 1 - warm * 1.2],
    exposure: evening ? rng.range(0.75, 0.95) : rng.range(0.88, 1.15),
    gamma: rng.range(0.9, 1.1),
    noise: rng.range(1.5, 5),
    blur: rng.chance(0.5),
  };
}

const NOISE_BITS = 16;
const NOISE_MASK = (1 << NOISE_BITS) - 1;

/** Applies an Appearance to rgb images of one size; holds its tables and scratch rows. */
export class AppearanceFilter {
  private readonly lut: Uint8Array;
  private readonly noise: Int8Array;
  private readonly rowOffsets: Uint32Array;
  private readonly scratch: Uint8Array;
  private readonly rowA: Uint8Array;
  private readonly rowB: Uint8Array;

  constructor(
    readonly look: Appearance,
    readonly width: number,
    readonly height: number,
    seed: number,
  ) {
    this.lut = new Uint8Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      const gain = look.exposure * look.tint[c]!;
      for (let v = 0; v < 256; v++) {
        const x = Math.pow((v / 255) * gain, look.gamma) * 255;
        this.lut[c * 256 + v] = x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x);
      }
    }
    const rng = new Rng(seed);
    this.noise = new Int8Array(1 << NOISE_BITS);
    for (let i = 0; i < this.noise.length; i++) {
      const v = Math.round(rng.normal() * look.noise * 1.7);
      this.noise[i] = v < -127 ? -127 : v > 127 ? 127 : v;
    }
    this.rowOffsets = new Uint32Array(height * 64);
    for (let i = 0; i < this.rowOffsets.length; i++)
      this.rowOffsets[i] = Math.floor(rng.next() * (1 << NOISE_BITS));
    this.scratch = new Uint8Array(Math.max(width, height) * 3);
    this.rowA = new Uint8Array(width * 3);
    this.rowB = new Uint8Array(width * 3);
  }

  /** Applies tint, exposure, blur and noise in place; `frame` varies the noise pattern. */
  apply(rgb: Uint8Array, frame: number): void {
    const { width: W, height: H } = this;
    if (this.look.blur) this.blur(rgb);
    const lut = this.lut;
    const noise = this.noise;
    const offs = this.rowOffsets;
    for (let y = 0; y < H; y++) {
      let k = offs[(y * 64 + (frame % 64)) % offs.length]!;
      const start = y * W * 3;
      const end = start + W * 3;
      for (let o = start; o < end; o += 3) {
        const n0 = noise[k & NOISE_MASK]!;
        const n1 = noise[(k + 1) & NOISE_MASK]!;
        const n2 = noise[(k + 2) & NOISE_MASK]!;
        k += 3;
        const r = lut[rgb[o]!]! + n0;
        const g = lut[256 + rgb[o + 1]!]! + n1;
        const b = lut[512 + rgb[o + 2]!]! + n2;
        rgb[o] = r < 0 ? 0 : r > 255 ? 255 : r;
        rgb[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
        rgb[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
      }
    }
  }

  /** Separable [1 2 1]/4 blur, horizontal then vertical. */
  private blur(rgb: Uint8Array): void {
    const { width: W, height: H } = this;
    const s = this.scratch;
    for (let y = 0; y < H; y++) {
      const base = y * W * 3;
      s.set(rgb.subarray(base, base + W * 3));
      const end = (W - 1) * 3;
      for (let i = 3; i < end; i++) rgb[base + i] = (s[i - 3]! + 2 * s[i]! + s[i + 3]! + 2) >> 2;
    }
    // Vertical pass row by row (cache-friendly): `prev` and `cur` hold the rows before this
    // pass changed them; the next row is still unchanged in place.
    const row = W * 3;
    let prev = this.rowA;
    let cur = this.rowB;
    prev.set(rgb.subarray(0, row));
    for (let y = 1; y < H - 1; y++) {
      const base = y * row;
      cur.set(rgb.subarray(base, base + row));
      const next = base + row;
      for (let i = 0; i < row; i++) rgb[base + i] = (prev[i]! + 2 * cur[i]! + rgb[next + i]! + 2) >> 2;
      const t = prev;
      prev = cur;
      cur = t;
    }
  }
}
