/**
 * Ultralytics YOLOv8-seg / YOLO11-seg adapter (specs/03, export with nms=False):
 * output0 [1, 4+nc+nm, A] (rows cx,cy,w,h in letterboxed network pixels; nc sigmoid class
 * scores, no objectness; nm raw mask coefficients), output1 [1, nm, mh, mw] prototypes (NCHW).
 *
 * Candidates: max class score > scoreThreshold (single label), sorted, ≤ 30000; per-class
 * greedy NMS (IoU > nmsIou suppresses), ≤ maxDetections. Masks: sigmoid(coeffs·protos) cropped
 * to the box at prototype resolution (no pad), bilinear-sampled (align_corners=False) straight
 * at the frame pixels through the letterbox map (one resample instead of Ultralytics'
 * upsample-to-input then crop-pad-and-resize; same geometry, no intermediate rounding), > 0.5.
 * Boxes are mapped back through the letterbox (x − padX)/scale and clipped to the frame.
 */
import { makeResult, type SegmentationResult } from "../result.js";
import { geometryMaps, netToFrame } from "./geometry.js";
import { greedyNms } from "./greedy-nms.js";
import { assembleMask, cropRange, maskTables, type ProtoView } from "./proto-masks.js";
import { displayedAndRanked, labelTable, requireOutput, unbatched } from "./tensors.js";
import type { AdapterContext, Outputs, YoloSegOptions } from "./types.js";

const MAX_NMS = 30000;
/** Lowest score a detection is returned with (Ultralytics validates at conf 0.001). */
export const YOLO_SEG_MIN_DETECTION_SCORE = 0.001;

export function decodeYoloSeg(
  outputs: Outputs,
  ctx: AdapterContext,
  opts: YoloSegOptions = {},
): SegmentationResult {
  const n0 = opts.outputNames?.output0 ?? "output0";
  const n1 = opts.outputNames?.output1 ?? "output1";
  const o0 = requireOutput(outputs, n0, "yolo-seg");
  const o1 = requireOutput(outputs, n1, "yolo-seg");
  const [rows, A] = unbatched(o0, 2, `yolo-seg output "${n0}"`) as [number, number];
  const [nm, mh, mw] = unbatched(o1, 3, `yolo-seg output "${n1}"`) as [number, number, number];
  const nc = rows - 4 - nm;
  if (nc < 1 || (opts.numClasses !== undefined && opts.numClasses !== nc)) {
    throw new RangeError(
      `yolo-seg: ${n0} has ${rows} rows = 4 + classes + ${nm} coefficients gives ${nc} classes` +
        (opts.numClasses !== undefined ? `, expected ${opts.numClasses}` : ""),
    );
  }
  const lut = labelTable(ctx.labels, nc);
  const d = o0.data;
  const thr = opts.scoreThreshold ?? 0.25;

  // Best class per anchor, class-major so memory is read sequentially.
  const best = new Float32Array(A).fill(-Infinity);
  const arg = new Int32Array(A).fill(-1);
  for (let c = 0; c < nc; c++) {
    if (lut[c]! < 0) continue;
    const base = (4 + c) * A;
    for (let a = 0; a < A; a++) {
      const v = d[base + a]!;
      if (v > best[a]!) {
        best[a] = v;
        arg[a] = c;
      }
    }
  }
  // With detections, candidates reach down to their floor; instances keep score > thr. Greedy NMS
  // keeps boxes in score order, so lower candidates never change which higher ones survive.
  const withDetections = opts.detections ?? false;
  const floor = Math.max(opts.detectionsMinScore ?? 0, YOLO_SEG_MIN_DETECTION_SCORE);
  let cand: number[] = [];
  for (let a = 0; a < A; a++) {
    if (arg[a]! >= 0 && (best[a]! > thr || (withDetections && best[a]! >= floor))) cand.push(a);
  }
  cand.sort((x, y) => best[y]! - best[x]! || x - y);
  if (cand.length > MAX_NMS) cand = cand.slice(0, MAX_NMS);

  const m = cand.length;
  const boxes = new Float32Array(m * 4);
  const classes = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const a = cand[j]!;
    const [cx, cy, w, h] = [d[a]!, d[A + a]!, d[2 * A + a]!, d[3 * A + a]!];
    boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * j);
    classes[j] = arg[a]!;
  }
  const order = Array.from({ length: m }, (_, j) => j);
  const keep = greedyNms(boxes, order, classes, opts.nmsIou ?? 0.7, opts.maxDetections ?? 300);

  const g = ctx.geometry;
  const maps = geometryMaps(g);
  const W = g.frameWidth;
  const H = g.frameHeight;
  const pv: ProtoView = { data: o1.data, h: mh, w: mw, k: nm, layout: "nchw" };
  const tables = maskTables(maps, W, H, pv, g.netWidth, g.netHeight);
  const count = keep.length;
  const outBoxes = new Float32Array(count * 4);
  const scores = new Float32Array(count);
  const classIds = new Uint8Array(count);
  const coeffs = new Float32Array(nm);
  const sx = mw / g.netWidth;
  const sy = mh / g.netHeight;
  const masks = keep.map((j, k) => {
    const a = cand[j]!;
    const [x1, y1, x2, y2] = [boxes[4 * j]!, boxes[4 * j + 1]!, boxes[4 * j + 2]!, boxes[4 * j + 3]!];
    outBoxes[4 * k] = netToFrame(x1, maps.x, W);
    outBoxes[4 * k + 1] = netToFrame(y1, maps.y, H);
    outBoxes[4 * k + 2] = netToFrame(x2, maps.x, W);
    outBoxes[4 * k + 3] = netToFrame(y2, maps.y, H);
    scores[k] = Math.min(1, Math.max(0, best[a]!));
    classIds[k] = lut[classes[j]!]!;
    for (let i = 0; i < nm; i++) coeffs[i] = d[(4 + nc + i) * A + a]!;
    const [cx0, cx1] = cropRange(x1 * sx, x2 * sx, mw);
    const [cy0, cy1] = cropRange(y1 * sy, y2 * sy, mh);
    return assembleMask(
      pv,
      coeffs,
      0,
      { x0: cx0, x1: cx1, y0: cy0, y1: cy1 },
      tables,
      opts.maskThreshold ?? 0.5,
    );
  });

  // Kept in descending score order: the instances (score > thr) are a prefix.
  let shown = 0;
  while (shown < count && scores[shown]! > thr) shown++;
  return makeResult({
    frameId: ctx.frameId,
    sourceId: ctx.sourceId,
    stampNs: ctx.stampNs,
    width: W,
    height: H,
    ...displayedAndRanked({ boxes: outBoxes, scores, classIds, masks }, shown, withDetections),
  });
}
