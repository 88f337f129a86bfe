/**
 * YOLACT prior (anchor) generation, exactly `make_priors` of dbolya/yolact (specs/01 §3):
 * per level, cells row-major (y then x), centre ((x+0.5)/conv_w, (y+0.5)/conv_h); inside a cell
 * for each scale → for each aspect ratio: ar ← √ar (preapply_sqrt False),
 * w = scale·ar/max_size, h = scale/ar/max_size (use_pixel_scales), h ← w when square anchors.
 * No clipping. Output: Float32Array N×4 of (cx, cy, w, h), normalised.
 */
import type { YolactPriorOptions } from "./types.js";

/** YOLACT base: scales 24…384 at max_size 550, scaled as `int(s/550·max_size)` like yolact_im400/700. */
export function defaultYolactPriors(maxSize: number): YolactPriorOptions {
  const scale = (s: number): number => (maxSize === 550 ? s : Math.trunc((s / 550) * maxSize));
  return {
    scales: [[scale(24)], [scale(48)], [scale(96)], [scale(192)], [scale(384)]],
    aspectRatios: [1, 1 / 2, 2],
    squareAnchors: true,
    maxSize,
  };
}

/**
 * ResNet-FPN feature sizes for a square-ish input: conv1, maxpool and each stride-2 stage map
 * n → ceil(n/2); P3 is after three halvings, P4…P7 one more each (550 → 69, 35, 18, 9, 5).
 */
export function fpnFeatureSizes(netH: number, netW: number, levels: number): [number, number][] {
  const out: [number, number][] = [];
  let h = netH;
  let w = netW;
  for (let i = 0; i < 3; i++) {
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
  }
  for (let l = 0; l < levels; l++) {
    out.push([h, w]);
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
  }
  return out;
}

/** Number of priors the options produce for a network input. */
export function countYolactPriors(opts: YolactPriorOptions, netH: number, netW: number): number {
  const sizes = opts.featureSizes ?? fpnFeatureSizes(netH, netW, opts.scales.length);
  let n = 0;
  opts.scales.forEach((s, l) => {
    const [h, w] = sizes[l] ?? [0, 0];
    n += h * w * s.length * opts.aspectRatios.length;
  });
  return n;
}

export function makeYolactPriors(opts: YolactPriorOptions, netH: number, netW: number): Float32Array {
  const sizes = opts.featureSizes ?? fpnFeatureSizes(netH, netW, opts.scales.length);
  if (sizes.length !== opts.scales.length) {
    throw new RangeError(
      `yolact priors: ${sizes.length} feature sizes for ${opts.scales.length} scale levels`,
    );
  }
  const maxSize = opts.maxSize ?? netW;
  const out = new Float32Array(countYolactPriors(opts, netH, netW) * 4);
  const ars = opts.aspectRatios.map(Math.sqrt);
  let o = 0;
  opts.scales.forEach((scales, l) => {
    const [convH, convW] = sizes[l]!;
    for (let j = 0; j < convH; j++) {
      for (let i = 0; i < convW; i++) {
        const cx = (i + 0.5) / convW;
        const cy = (j + 0.5) / convH;
        for (const scale of scales) {
          for (const ar of ars) {
            const w = (scale * ar) / maxSize;
            const h = opts.squareAnchors ? w : scale / ar / maxSize;
            out[o++] = cx;
            out[o++] = cy;
            out[o++] = w;
            out[o++] = h;
          }
        }
      }
    }
  });
  return out;
}
