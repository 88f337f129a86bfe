/**
 * YOLACT / YolactEdge instance adapter, following dbolya/yolact's Detect + postprocess
 * (specs/01 §4–§7): variance (0.1, 0.2) box decode against the priors; keep priors whose max
 * foreground score > confThreshold; per-class Fast NMS (top-k per class); gather, sort, keep
 * maxDetections; masks = sigmoid(proto·coeffs) cropped at proto resolution with a 1-pixel pad,
 * bilinear-upsampled (align_corners=False) to the frame, > maskThreshold.
 *
 * The result's `instances` are those above the display threshold `scoreThreshold` (what the
 * tracker, overlays and topics get). With `detections: true` it also carries `detections`: all
 * of them (≤ maxDetections, from priors whose max foreground score > confThreshold), what
 * instance AP scores — the reference's eval ranks every detection; the display threshold is
 * for display. The two share mask objects.
 *
 * Accepts the head outputs with or without the batch dim, conf as probabilities or logits,
 * prototypes NHWC or NCHW, priors from a `priors` output or generated (`make_priors`).
 * Boxes are returned in frame pixels as floats (the reference truncates to integers).
 */
import { makeResult, type RleMask, type SegmentationResult } from "../result.js";
import { OVERLAP_GRAPH_MAX, fastNms, overlapGraph } from "./fast-nms.js";
import { geometryMaps, netToFrame } from "./geometry.js";
import {
  assembleMask,
  cropRange,
  maskTables,
  protoBuffer,
  type CropRect,
  type ProtoView,
} from "./proto-masks.js";
import { displayedAndRanked, labelTable, requireOutput, unbatched } from "./tensors.js";
import { defaultYolactPriors, makeYolactPriors } from "./yolact-priors.js";
import type { AdapterContext, OutputTensor, Outputs, YolactOptions } from "./types.js";

/** True when sampled rows look like probabilities: values in [0,1], rows summing to ≈1. */
export function looksSoftmaxed(data: Float32Array, rows: number, cols: number): boolean {
  const samples = Math.min(rows, 64);
  for (let s = 0; s < samples; s++) {
    const r = Math.floor((s * rows) / samples);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (!(v >= -1e-6 && v <= 1 + 1e-6)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/** Prototype layout from dims [a,b,c]: the axis equal to the coefficient count `k`. */
export function protoLayout(
  dims: readonly number[],
  k: number,
  declared: YolactOptions["protoLayout"],
): "nhwc" | "nchw" {
  if (declared === "nhwc" || declared === "nchw") return declared;
  const first = dims[0] === k;
  const last = dims[2] === k;
  if (last) return "nhwc";
  if (first) return "nchw";
  throw new RangeError(
    `yolact proto dims [${dims.join(", ")}] have no axis equal to the ${k} mask coefficients`,
  );
}

/**
 * The prototype output preallocated in the SIMD mask kernel's memory (proto-masks.ts), shaped
 * like `outputs` (a warm-up run's): its name and the view for ORT to write into. undefined when
 * the kernel does not apply (NCHW prototypes, k not a multiple of 4, no SIMD).
 */
export function yolactProtoBuffer(
  outputs: Outputs,
  opts: YolactOptions = {},
): { name: string; view: Float32Array } | undefined {
  const name = opts.outputNames?.proto ?? "proto";
  const proto = outputs[name];
  const mask = outputs[opts.outputNames?.mask ?? "mask"];
  if (proto === undefined || mask === undefined || proto.dims.length < 3) return undefined;
  const k = mask.dims[mask.dims.length - 1]!;
  const [a, b, c] = proto.dims.slice(-3) as [number, number, number];
  if (a * b * c !== proto.data.length) return undefined;
  let layout: "nhwc" | "nchw";
  try {
    layout = protoLayout([a, b, c], k, opts.protoLayout);
  } catch {
    return undefined;
  }
  if (layout !== "nhwc") return undefined;
  const view = protoBuffer(a, b, c);
  return view !== undefined ? { name, view } : undefined;
}

function priorsFor(
  outputs: Outputs,
  name: string,
  n: number,
  opts: YolactOptions,
  ctx: AdapterContext,
): Float32Array {
  const out: OutputTensor | undefined = outputs[name];
  const g = ctx.geometry;
  if (out !== undefined) {
    const [pn, four] = unbatched(requireOutput(outputs, name, "yolact"), 2, `yolact output "${name}"`);
    if (pn !== n || four !== 4)
      throw new RangeError(`yolact priors are [${pn}, ${four}], expected [${n}, 4]`);
    return out.data;
  }
  const p = makeYolactPriors(opts.priors ?? defaultYolactPriors(g.netWidth), g.netHeight, g.netWidth);
  if (p.length / 4 !== n) {
    throw new RangeError(
      `yolact: generated ${p.length / 4} priors but the model has ${n} (check priors options)`,
    );
  }
  return p;
}

export function decodeYolact(
  outputs: Outputs,
  ctx: AdapterContext,
  opts: YolactOptions = {},
): SegmentationResult {
  const names = opts.outputNames ?? {};
  const locName = names.loc ?? "loc";
  const confName = names.conf ?? "conf";
  const maskName = names.mask ?? "mask";
  const protoName = names.proto ?? "proto";
  const loc = requireOutput(outputs, locName, "yolact");
  const conf = requireOutput(outputs, confName, "yolact");
  const mask = requireOutput(outputs, maskName, "yolact");
  const proto = requireOutput(outputs, protoName, "yolact");
  const [n, four] = unbatched(loc, 2, `yolact output "${locName}"`) as [number, number];
  const [cn, C] = unbatched(conf, 2, `yolact output "${confName}"`) as [number, number];
  const [mn, K] = unbatched(mask, 2, `yolact output "${maskName}"`) as [number, number];
  if (four !== 4 || cn !== n || mn !== n) {
    throw new RangeError(`yolact: loc/conf/mask rows disagree (${n}x${four}, ${cn}x${C}, ${mn}x${K})`);
  }
  const pd = unbatched(proto, 3, `yolact output "${protoName}"`);
  const layout = protoLayout(pd, K, opts.protoLayout);
  const pv: ProtoView =
    layout === "nhwc"
      ? { data: proto.data, h: pd[0]!, w: pd[1]!, k: K, layout }
      : { data: proto.data, h: pd[1]!, w: pd[2]!, k: K, layout };
  const priors = priorsFor(outputs, names.priors ?? "priors", n, opts, ctx);

  const confThr = opts.confThreshold ?? 0.05;
  const act = opts.confActivation ?? "auto";
  const softmaxed = act === "softmax" || (act === "auto" && looksSoftmaxed(conf.data, n, C));
  const nfg = C - 1;
  const lut = labelTable(ctx.labels, nfg);

  // 1. Candidates: max foreground probability > confThreshold (full fg vector kept).
  const cd = conf.data;
  const keptIdx: number[] = [];
  const keptScores: number[] = [];
  const lnThr = Math.log(confThr);
  // Softmaxed rows sum to 1 (float32 rounding ≪ 1e-4), so a background probability of at least
  // 1 − threshold + 1e-4 leaves every foreground class below the threshold: most priors are
  // rejected on their first value.
  const bgReject = softmaxed ? 1 - confThr + 1e-4 : Infinity;
  for (let i = 0; i < n; i++) {
    const row = i * C;
    if (cd[row]! >= bgReject) continue;
    let maxFg = -Infinity;
    for (let c = 1; c < C; c++) if (cd[row + c]! > maxFg) maxFg = cd[row + c]!;
    if (softmaxed) {
      if (!(maxFg > confThr)) continue;
      keptIdx.push(i);
      for (let c = 1; c < C; c++) keptScores.push(cd[row + c]!);
      continue;
    }
    const maxAll = Math.max(maxFg, cd[row]!);
    if (maxFg - maxAll <= lnThr) continue; // p(maxFg) ≤ exp(maxFg − maxAll) ≤ threshold
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(cd[row + c]! - maxAll);
    if (!(Math.exp(maxFg - maxAll) / sum > confThr)) continue;
    keptIdx.push(i);
    for (let c = 1; c < C; c++) keptScores.push(Math.exp(cd[row + c]! - maxAll) / sum);
  }
  const m = keptIdx.length;

  // 2. Decode the kept boxes (normalised xyxy of the network input).
  const boxes = new Float32Array(m * 4);
  const ld = loc.data;
  for (let j = 0; j < m; j++) {
    const i = keptIdx[j]!;
    const [pcx, pcy, pw, ph] = [priors[4 * i]!, priors[4 * i + 1]!, priors[4 * i + 2]!, priors[4 * i + 3]!];
    const cx = pcx + ld[4 * i]! * 0.1 * pw;
    const cy = pcy + ld[4 * i + 1]! * 0.1 * ph;
    const w = pw * Math.exp(ld[4 * i + 2]! * 0.2);
    const h = ph * Math.exp(ld[4 * i + 3]! * 0.2);
    boxes[4 * j] = cx - w / 2;
    boxes[4 * j + 1] = cy - h / 2;
    boxes[4 * j + 2] = cx - w / 2 + w;
    boxes[4 * j + 3] = cy - h / 2 + h;
  }

  // 3. Per-class Fast NMS, gather, sort, keep maxDetections, then the display threshold.
  const dets: { cls: number; score: number; j: number }[] = [];
  const col = new Float32Array(m);
  const nmsIou = opts.nmsIou ?? 0.5;
  // Every class ranks the same m boxes: test each pair's IoU once.
  const overlaps = m <= OVERLAP_GRAPH_MAX ? overlapGraph(boxes, m, nmsIou) : undefined;
  for (let c = 0; c < nfg; c++) {
    if (lut[c]! < 0) continue;
    for (let j = 0; j < m; j++) col[j] = keptScores[j * nfg + c]!;
    for (const j of fastNms(boxes, col, nmsIou, opts.topK ?? 200, overlaps)) {
      dets.push({ cls: c, score: col[j]!, j });
    }
  }
  dets.sort((a, b) => b.score - a.score);
  const ranked = dets.slice(0, opts.maxDetections ?? 100);
  // Sorted by score, so the display set (score > scoreThreshold) is a prefix of `ranked`.
  const scoreThr = opts.scoreThreshold ?? 0.3;
  let shown = 0;
  while (shown < ranked.length && ranked[shown]!.score > scoreThr) shown++;

  // 4. Boxes to frame pixels, masks: for the first `shown` (`instances`: display, tracking),
  //    or for every ranked detection when `detections` (what AP scores) are asked for.
  const withDetections = opts.detections ?? false;
  const g = ctx.geometry;
  const maps = geometryMaps(g);
  const W = g.frameWidth;
  const H = g.frameHeight;
  const tables = maskTables(maps, W, H, pv, g.netWidth, g.netHeight);
  // With detections: the ranked ones down to detectionsMinScore (a prefix, sorted by score).
  let count = shown;
  if (withDetections) {
    const minScore = opts.detectionsMinScore ?? 0;
    while (count < ranked.length && ranked[count]!.score >= minScore) count++;
  }
  const outBoxes = new Float32Array(count * 4);
  const scores = new Float32Array(count);
  const classIds = new Uint8Array(count);
  const crops: CropRect[] = [];
  for (let k = 0; k < count; k++) {
    const d = ranked[k]!;
    const b = 4 * d.j;
    const [nx1, nx2] = [Math.min(boxes[b]!, boxes[b + 2]!), Math.max(boxes[b]!, boxes[b + 2]!)];
    const [ny1, ny2] = [Math.min(boxes[b + 1]!, boxes[b + 3]!), Math.max(boxes[b + 1]!, boxes[b + 3]!)];
    outBoxes[4 * k] = netToFrame(nx1 * g.netWidth, maps.x, W);
    outBoxes[4 * k + 1] = netToFrame(ny1 * g.netHeight, maps.y, H);
    outBoxes[4 * k + 2] = netToFrame(nx2 * g.netWidth, maps.x, W);
    outBoxes[4 * k + 3] = netToFrame(ny2 * g.netHeight, maps.y, H);
    scores[k] = d.score;
    classIds[k] = lut[d.cls]!;
    const [x0, x1] = cropRange(Math.max(nx1 * pv.w - 1, 0), Math.min(nx2 * pv.w + 1, pv.w), pv.w);
    const [y0, y1] = cropRange(Math.max(ny1 * pv.h - 1, 0), Math.min(ny2 * pv.h + 1, pv.h), pv.h);
    crops.push({ x0, x1, y0, y1 });
  }
  // Masks in prototype order (crop centres, row bands of 16 cells, then columns): detections of
  // one object (YOLACT's many near-duplicates) then read the same prototype cells one after the
  // other, from cache rather than memory. The order does not change any mask.
  const byPlace = Array.from({ length: count }, (_, k) => k);
  const band = (k: number): number => (crops[k]!.y0 + crops[k]!.y1) >> 5;
  const cx = (k: number): number => crops[k]!.x0 + crops[k]!.x1;
  byPlace.sort((a, b) => band(a) - band(b) || cx(a) - cx(b) || a - b);
  const coeffs = new Float32Array(K);
  const masks = new Array<RleMask>(count);
  const thr = opts.maskThreshold ?? 0.5;
  for (const k of byPlace) {
    const j = keptIdx[ranked[k]!.j]!;
    coeffs.set(mask.data.subarray(j * K, j * K + K));
    masks[k] = assembleMask(pv, coeffs, 0, crops[k]!, tables, thr);
  }

  return makeResult({
    frameId: ctx.frameId,
    sourceId: ctx.sourceId,
    stampNs: ctx.stampNs,
    width: W,
    height: H,
    ...displayedAndRanked({ boxes: outBoxes, scores, classIds, masks }, shown, withDetections),
  });
}
