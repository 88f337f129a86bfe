/**
 * Appearance descriptors for re-identification after occlusions: the colour histogram of the
 * frame's pixels under an instance's mask, for the upper and the lower half of the mask's rows
 * separately (a pedestrian's shirt and trousers; a car's body and its wheels and shadow), each
 * half normalised to sum 1 and compared by the Bhattacharyya coefficient Σ √(pᵢ qᵢ) (1 for equal
 * histograms, 0 for disjoint ones).
 *
 * Colours are quantised to `LEVELS` levels per channel (LEVELS³ bins per half) with soft
 * (linear) binning along each channel, so a colour near a bin edge does not flip between bins
 * when the lighting changes a little. mono8 images use the grey value for all three channels.
 *
 * Cost: 8 bin updates per sampled pixel. Large masks are sampled on a regular grid of step
 * ⌈√(area / MAX_SAMPLES)⌉ px in x and y (at most ≈ MAX_SAMPLES pixels; a histogram of a few
 * hundred pixels is as good as one of all of them), so the cost per mask is bounded whatever its
 * size: measured ≈ 2.7 ms/frame for 50 instances at 1024×512 with every pixel, see
 * bench/tracking.ts for the sampled figure.
 */
import type { Encoding } from "../frames/frame.js";
import type { DetectionMasks, SpanMask } from "./similarity.js";

/** The pixels the descriptors are computed from (a `Frame` is one). */
export interface ImageView {
  readonly width: number;
  readonly height: number;
  readonly encoding: Encoding;
  readonly data: Uint8Array;
}

/** Quantisation levels per colour channel. */
export const LEVELS = 4;
const BINS = LEVELS * LEVELS * LEVELS;
/** Length of a descriptor: two halves of LEVELS³ bins. */
export const APPEARANCE_LENGTH = 2 * BINS;
/** Masks larger than this are sampled on a grid (see the module comment). */
export const MAX_SAMPLES = 1024;
/** A half with fewer (sampled) pixels than this is left empty (too few to say anything). */
export const MIN_HALF_PIXELS = 8;

/** Whether descriptors can be computed from `image` for masks of `width`×`height`. */
export function appearanceSupported(image: ImageView, width: number, height: number): boolean {
  return (
    image.width === width &&
    image.height === height &&
    (image.encoding === "rgb8" || image.encoding === "bgr8" || image.encoding === "mono8")
  );
}

/** Soft-bin lookup: for a byte value, the lower level and the weight of the upper one. */
const LOW = new Uint8Array(256);
const FRAC = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  // Level centres at (k + 0.5) · 256 / LEVELS; values below the first / above the last centre
  // go wholly to it.
  const t = (v + 0.5) / (256 / LEVELS) - 0.5;
  const lo = Math.max(0, Math.min(LEVELS - 2, Math.floor(t)));
  LOW[v] = lo;
  FRAC[v] = Math.max(0, Math.min(1, t - lo));
}

/**
 * The descriptor of `mask` in `image` (same size; see `appearanceSupported`), written to `out`
 * (APPEARANCE_LENGTH floats) or a new array. A half with fewer than MIN_HALF_PIXELS pixels is
 * all zeros. Returns null for a mask with no pixel in either half.
 */
export function maskAppearance(image: ImageView, mask: SpanMask, out?: Float32Array): Float32Array | null {
  if (!appearanceSupported(image, mask.width, mask.height)) {
    throw new RangeError(
      `appearance: image ${image.width}x${image.height} ${image.encoding} does not fit a ` +
        `${mask.width}x${mask.height} mask (rgb8, bgr8 or mono8 of the mask's size needed)`,
    );
  }
  const h = out ?? new Float32Array(APPEARANCE_LENGTH);
  if (h.length !== APPEARANCE_LENGTH) {
    throw new RangeError(`appearance: out must have ${APPEARANCE_LENGTH} elements, got ${h.length}`);
  }
  h.fill(0);
  if (mask.count === 0) return null;
  const s = mask.spans;
  const yTop = s[0]!;
  const yBottom = s[3 * mask.count - 3]!;
  // Rows < split belong to the upper half.
  const split = (yTop + yBottom + 1) / 2;
  const d = image.data;
  const w = image.width;
  const mono = image.encoding === "mono8";
  const bgr = image.encoding === "bgr8";
  const bpp = mono ? 1 : 3;
  const ri = bgr ? 2 : 0;
  const bi = bgr ? 0 : 2;
  const step = mask.area > MAX_SAMPLES ? Math.ceil(Math.sqrt(mask.area / MAX_SAMPLES)) : 1;
  const n = [0, 0];
  for (let k = 0; k < 3 * mask.count; k += 3) {
    const y = s[k]!;
    if (step > 1 && (y - yTop) % step !== 0) continue;
    const half = y < split ? 0 : 1;
    const base = half * BINS;
    // Columns on the grid x ≡ 0 (mod step).
    const x0 = step > 1 ? Math.ceil(s[k + 1]! / step) * step : s[k + 1]!;
    const x1 = s[k + 2]!;
    if (x1 <= x0) continue;
    n[half]! += Math.ceil((x1 - x0) / step);
    let p = (y * w + x0) * bpp;
    const end = (y * w + x1) * bpp;
    const stride = step * bpp;
    for (; p < end; p += stride) {
      const r = d[p + (mono ? 0 : ri)]!;
      const g = d[p + (mono ? 0 : 1)]!;
      const b = d[p + (mono ? 0 : bi)]!;
      const r0 = LOW[r]!;
      const g0 = LOW[g]!;
      const b0 = LOW[b]!;
      const fr = FRAC[r]!;
      const fg = FRAC[g]!;
      const fb = FRAC[b]!;
      const i = base + (r0 * LEVELS + g0) * LEVELS + b0;
      const gr = 1 - fr;
      const gg = 1 - fg;
      const gb = 1 - fb;
      h[i]! += gr * gg * gb;
      h[i + 1]! += gr * gg * fb;
      h[i + LEVELS]! += gr * fg * gb;
      h[i + LEVELS + 1]! += gr * fg * fb;
      h[i + LEVELS * LEVELS]! += fr * gg * gb;
      h[i + LEVELS * LEVELS + 1]! += fr * gg * fb;
      h[i + LEVELS * LEVELS + LEVELS]! += fr * fg * gb;
      h[i + LEVELS * LEVELS + LEVELS + 1]! += fr * fg * fb;
    }
  }
  let any = false;
  for (let half = 0; half < 2; half++) {
    const count = n[half]!;
    const base = half * BINS;
    if (count < MIN_HALF_PIXELS) {
      h.fill(0, base, base + BINS);
      continue;
    }
    any = true;
    const inv = 1 / count;
    for (let i = base; i < base + BINS; i++) h[i]! *= inv;
  }
  return any ? h : null;
}

/** Whether a half of a descriptor holds a histogram (sums to 1) rather than zeros. */
function halfPresent(a: Float32Array, base: number): boolean {
  for (let i = base; i < base + BINS; i++) if (a[i]! > 0) return true;
  return false;
}

/**
 * Bhattacharyya coefficient of two descriptors, averaged over the halves present in both, in
 * [0, 1]; NaN when no half is present in both (nothing to compare).
 */
export function appearanceSimilarity(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  let halves = 0;
  for (let half = 0; half < 2; half++) {
    const base = half * BINS;
    if (!halfPresent(a, base) || !halfPresent(b, base)) continue;
    let bc = 0;
    for (let i = base; i < base + BINS; i++) bc += Math.sqrt(a[i]! * b[i]!);
    sum += bc > 1 ? 1 : bc;
    halves++;
  }
  return halves > 0 ? sum / halves : NaN;
}

/**
 * Moves a track's descriptor toward a detection's: `track ← momentum·track + (1 − momentum)·det`
 * per half; a half the track lacks is taken from the detection, one the detection lacks is kept.
 * Halves stay normalised (convex combinations of histograms summing to 1).
 */
export function blendAppearance(track: Float32Array, det: Float32Array, momentum: number): void {
  for (let half = 0; half < 2; half++) {
    const base = half * BINS;
    if (!halfPresent(det, base)) continue;
    const m = halfPresent(track, base) ? momentum : 0;
    for (let i = base; i < base + BINS; i++) track[i] = m * track[i]! + (1 - m) * det[i]!;
  }
}

/** A detection box within this many px of the frame's edge is truncated (no appearance). */
export const BORDER_PX = 1;

/**
 * Per-detection appearance descriptors, computed on first use. A detection whose box touches the
 * frame's border has none: it is truncated, and the colours of its visible part change as it
 * enters or leaves the view (measured: a car leaving through a corner fell from 0.96 to 0.80
 * similarity with its own track in one frame while its mask IoU stayed 0.63), so it neither
 * vetoes a match nor updates its track's descriptor.
 */
export class DetectionAppearances {
  private readonly cache: (Float32Array | null | undefined)[];
  constructor(
    private readonly image: ImageView,
    private readonly masks: DetectionMasks,
    private readonly boxes: Float32Array,
    count: number,
  ) {
    this.cache = new Array<Float32Array | null | undefined>(count);
  }
  get(d: number): Float32Array | null {
    let a = this.cache[d];
    if (a === undefined) {
      const b = this.boxes;
      const o = 4 * d;
      const truncated =
        b[o]! < BORDER_PX ||
        b[o + 1]! < BORDER_PX ||
        b[o + 2]! > this.image.width - BORDER_PX ||
        b[o + 3]! > this.image.height - BORDER_PX;
      a = truncated ? null : maskAppearance(this.image, this.masks.get(d));
      this.cache[d] = a;
    }
    return a;
  }
}
