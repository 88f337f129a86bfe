import { describe, expect, it } from "vitest";
import { encodeRle } from "../../../src/frames/rle.js";
import type { SegmentationResult } from "../../../src/inference/result.js";
import {
  APPEARANCE_LENGTH,
  appearanceSimilarity,
  blendAppearance,
  ByteTracker,
  maskAppearance,
  rleToSpans,
  type ImageView,
  type TrackerOptionsInit,
} from "../../../src/tracking/index.js";
import { LEVELS, MIN_HALF_PIXELS } from "../../../src/tracking/appearance.js";
import { CAR, ellipse, frame, idsByTag, type Det } from "./scene.js";

const W = 320;
const H = 160;
const BINS = LEVELS ** 3;

/** An rgb8 image of `fill` with each mask painted in its colour. */
function paint(
  masks: readonly { mask: Uint8Array; rgb: readonly [number, number, number] }[],
  fill = 90,
): ImageView {
  const data = new Uint8Array(W * H * 3).fill(fill);
  for (const { mask, rgb } of masks) {
    for (let i = 0; i < W * H; i++) {
      if (mask[i]) data.set(rgb, 3 * i);
    }
  }
  return { width: W, height: H, encoding: "rgb8", data };
}

function spans(mask: Uint8Array) {
  return rleToSpans(encodeRle(mask, W, H));
}

/** A box mask [x0, x1) × [y0, y1). */
function rect(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) m.fill(1, y * W + x0, y * W + x1);
  return m;
}

function binOf(r: number, g: number, b: number): number {
  const level = (v: number) => Math.min(LEVELS - 1, Math.floor(v / (256 / LEVELS)));
  return (level(r) * LEVELS + level(g)) * LEVELS + level(b);
}

describe("maskAppearance", () => {
  it("puts the upper and lower halves' colours into their own histograms", () => {
    // Rows 20–29 red, rows 30–39 blue: exactly the two halves of the mask's rows.
    const m = rect(10, 20, 30, 40);
    const img = paint([
      { mask: rect(10, 20, 30, 30), rgb: [255, 0, 0] },
      { mask: rect(10, 30, 30, 40), rgb: [0, 0, 255] },
    ]);
    const a = maskAppearance(img, spans(m))!;
    expect(a.length).toBe(APPEARANCE_LENGTH);
    // Saturated channels sit wholly in the first / last level (no soft spill beyond the ends).
    expect(a[binOf(255, 0, 0)]).toBeCloseTo(1, 6);
    expect(a[BINS + binOf(0, 0, 255)]).toBeCloseTo(1, 6);
    const sum = (from: number) => a.subarray(from, from + BINS).reduce((x, y) => x + y, 0);
    expect(sum(0)).toBeCloseTo(1, 6);
    expect(sum(BINS)).toBeCloseTo(1, 6);
    // The background (grey 90) outside the mask is not counted.
    expect(a[binOf(90, 90, 90)]).toBe(0);
  });

  it("reads bgr8 and mono8 as the same colours", () => {
    const m = ellipse(W, H, 100, 60, 20, 14);
    const rgb = paint([{ mask: m, rgb: [200, 120, 40] }]);
    const bgr: ImageView = { ...rgb, encoding: "bgr8", data: rgb.data.slice() };
    for (let i = 0; i < W * H; i++) {
      bgr.data[3 * i] = rgb.data[3 * i + 2]!;
      bgr.data[3 * i + 2] = rgb.data[3 * i]!;
    }
    expect(Array.from(maskAppearance(bgr, spans(m))!)).toEqual(Array.from(maskAppearance(rgb, spans(m))!));
    const grey = paint([{ mask: m, rgb: [128, 128, 128] }]);
    const mono: ImageView = {
      width: W,
      height: H,
      encoding: "mono8",
      data: Uint8Array.from({ length: W * H }, (_, i) => grey.data[3 * i]!),
    };
    expect(Array.from(maskAppearance(mono, spans(m))!)).toEqual(Array.from(maskAppearance(grey, spans(m))!));
  });

  it("bins softly: colours across a level edge stay alike, distant colours do not", () => {
    const m = ellipse(W, H, 100, 60, 20, 14);
    const desc = (v: number) => maskAppearance(paint([{ mask: m, rgb: [v, v, 200] }]), spans(m))!;
    // 127 and 128 fall on either side of a hard level edge (256 / LEVELS = 64 → edge at 128).
    expect(appearanceSimilarity(desc(127), desc(128))).toBeGreaterThan(0.99);
    expect(appearanceSimilarity(desc(32), desc(224))).toBeLessThan(0.01);
    expect(appearanceSimilarity(desc(100), desc(100))).toBeCloseTo(1, 6);
  });

  it("leaves a half with fewer than MIN_HALF_PIXELS pixels empty, and compares only common halves", () => {
    // Two rows: row 50 (upper half) has 20 px, row 51 (lower) has MIN_HALF_PIXELS − 1.
    const m = new Uint8Array(W * H);
    m.fill(1, 50 * W + 10, 50 * W + 30);
    m.fill(1, 51 * W + 10, 51 * W + 10 + MIN_HALF_PIXELS - 1);
    const img = paint([{ mask: m, rgb: [0, 255, 0] }]);
    const a = maskAppearance(img, spans(m))!;
    expect(a.subarray(BINS).every((v) => v === 0)).toBe(true);
    expect(a[binOf(0, 255, 0)]).toBeCloseTo(1, 6);
    // Lower half only vs upper half only: nothing in common.
    const lowerOnly = new Float32Array(APPEARANCE_LENGTH);
    lowerOnly[BINS + binOf(0, 255, 0)] = 1;
    expect(appearanceSimilarity(a, lowerOnly)).toBeNaN();
    // A mask too small for either half: null.
    const tiny = new Uint8Array(W * H);
    tiny.fill(1, 10 * W + 10, 10 * W + 12);
    expect(maskAppearance(img, spans(tiny))).toBeNull();
  });

  it("rejects an image that does not fit the mask, naming both sizes", () => {
    const m = spans(rect(0, 0, 4, 4));
    const small: ImageView = { width: 10, height: 10, encoding: "rgb8", data: new Uint8Array(300) };
    expect(() => maskAppearance(small, m)).toThrow(
      new RangeError(
        "appearance: image 10x10 rgb8 does not fit a 320x160 mask (rgb8, bgr8 or mono8 of the mask's size needed)",
      ),
    );
    const img = paint([]);
    expect(() => maskAppearance(img, m, new Float32Array(3))).toThrow(
      new RangeError(`appearance: out must have ${APPEARANCE_LENGTH} elements, got 3`),
    );
  });

  it("blends toward a detection, keeping each half a distribution", () => {
    const t = new Float32Array(APPEARANCE_LENGTH);
    t[binOf(255, 0, 0)] = 1; // upper red, lower missing
    const d = new Float32Array(APPEARANCE_LENGTH);
    d[binOf(0, 0, 255)] = 1;
    d[BINS + binOf(0, 255, 0)] = 1;
    blendAppearance(t, d, 0.8);
    expect(t[binOf(255, 0, 0)]).toBeCloseTo(0.8, 6);
    expect(t[binOf(0, 0, 255)]).toBeCloseTo(0.2, 6);
    // The missing half is taken whole from the detection.
    expect(t[BINS + binOf(0, 255, 0)]).toBeCloseTo(1, 6);
  });
});

describe("ByteTracker with appearance", () => {
  const RED = [220, 30, 30] as const;
  const BLUE = [30, 60, 220] as const;
  const NO_APPEARANCE: TrackerOptionsInit = { appearanceMinSimilarity: 0, appearanceRecoveryGate: 0 };

  /** Runs frames of (det, colour) pairs with the painted image; returns the tag → id maps. */
  function run(
    options: TrackerOptionsInit,
    n: number,
    scene: (i: number) => { det: Det; rgb: readonly [number, number, number] }[],
  ): Map<string, number>[] {
    const t = new ByteTracker(options);
    const out: Map<string, number>[] = [];
    for (let i = 0; i < n; i++) {
      const s = scene(i);
      const input: SegmentationResult = frame(
        s.map((x) => x.det),
        { w: W, h: H, index: i },
      );
      const image = paint(s.map((x) => ({ mask: x.det.mask, rgb: x.rgb })));
      const r = t.update(input, image);
      out.push(
        idsByTag(
          input,
          s.map((x) => x.det.tag),
          r,
        ),
      );
    }
    return out;
  }

  const car = (tag: string, cx: number, cy: number): Det => ({
    tag,
    cls: CAR,
    score: 0.9,
    mask: ellipse(W, H, cx, cy, 22, 16),
  });

  it("a car of another colour where a vanished car was predicted gets a new id", () => {
    // The red car drives right at 4 px/frame, is hidden for frames 10–11, and a blue car appears
    // at frame 12 exactly where the red one would be; the red one never comes back.
    const scene = (i: number) => {
      if (i < 10) return [{ det: car("red", 60 + 4 * i, 80), rgb: RED }];
      if (i < 12) return [];
      return [{ det: car("blue", 60 + 4 * i, 80), rgb: BLUE }];
    };
    const withLooks = run({}, 16, scene);
    const plain = run(NO_APPEARANCE, 16, scene);
    expect(withLooks[9]!.get("red")).toBe(1);
    // Motion and masks alone hand the red car's id to the blue one.
    expect(plain[12]!.get("blue")).toBe(1);
    // With appearance the blue car is a new object, and keeps its new id.
    expect(withLooks[12]!.get("blue")).toBe(2);
    expect(withLooks[15]!.get("blue")).toBe(2);
  });

  it("re-finds a car back from an occlusion off its predicted path when it looks the same", () => {
    // Hidden for frames 10–24; it comes back 60 px lower than its straight-line prediction
    // (squared Mahalanobis distance 18.5: beyond recoveryGate 9.21, inside
    // appearanceRecoveryGate 36.8).
    const scene = (i: number) => {
      if (i < 10) return [{ det: car("red", 40 + 4 * i, 50), rgb: RED }];
      if (i < 25) return [];
      return [{ det: car("red", 40 + 4 * i, 110), rgb: RED }];
    };
    const withLooks = run({}, 28, scene);
    const plain = run(NO_APPEARANCE, 28, scene);
    expect(plain[9]!.get("red")).toBe(1);
    expect(plain[25]!.get("red")).toBe(2);
    expect(withLooks[25]!.get("red")).toBe(1);
    expect(withLooks[27]!.get("red")).toBe(1);
    // appearanceMinSimilarity 0 turns appearance off, the recovery by appearance with it.
    expect(run({ appearanceMinSimilarity: 0 }, 28, scene)[25]!.get("red")).toBe(2);
    // A blue car in the same place is not re-found: it starts a new track.
    const other = run({}, 28, (i) =>
      i < 25 ? scene(i) : [{ det: car("blue", 40 + 4 * i, 110), rgb: BLUE }],
    );
    expect(other[25]!.get("blue")).toBe(2);
  });

  it("a detection truncated by the frame's border neither vetoes nor updates its track", () => {
    // The red car drives right at 6 px/frame; from frame 10 it touches the right border, and
    // its visible part looks different (painted blue: what a car's rear or shadow does to the
    // histogram of a shrinking visible part).
    const scene = (i: number) => {
      const det = car("car", 250 + 6 * i, 80);
      const atBorder = 250 + 6 * i + 22 >= W;
      return [{ det, rgb: atBorder ? BLUE : RED }];
    };
    const ids = run({}, 14, scene);
    expect(ids[9]!.get("car")).toBe(1);
    expect(ids.slice(10).map((m) => m.get("car"))).toEqual([1, 1, 1, 1]);
  });
});
