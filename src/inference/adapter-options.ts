import type { AdapterOptions, LabelMap } from "./adapters/index.js";
import type { AdapterKind, Manifest } from "./manifest.js";

/** Model class index → Cityscapes label id; unlisted indices are −1 (dropped / unlabeled). */
export function labelMapOf(m: Manifest): LabelMap {
  const n = Math.max(...m.labels.map((l) => l.index)) + 1;
  const toLabelId = new Array<number>(n).fill(-1);
  for (const l of m.labels) toLabelId[l.index] = l.labelId;
  return { toLabelId };
}

/** The adapter options a manifest implies (thresholds, output names, YOLACT specifics). */
export function adapterOptionsOf<N extends AdapterKind>(m: Manifest & { adapter: N }): AdapterOptions[N];
export function adapterOptionsOf(m: Manifest): AdapterOptions[AdapterKind] {
  const t = m.thresholds;
  switch (m.adapter) {
    case "deeplab": {
      const o: AdapterOptions["deeplab"] = {
        ...(m.outputs.logits !== undefined ? { outputName: m.outputs.logits } : {}),
        ...(m.deeplab !== undefined ? { upsample: m.deeplab.upsample } : {}),
      };
      return o;
    }
    case "yolact": {
      const y = m.yolact;
      const o: AdapterOptions["yolact"] = {
        scoreThreshold: t.score,
        nmsIou: t.nmsIou,
        topK: t.topK,
        maxDetections: t.maxDetections,
        maskThreshold: t.mask,
        ...(y?.confThreshold !== undefined ? { confThreshold: y.confThreshold } : {}),
        ...(y?.priors !== undefined ? { priors: y.priors } : {}),
        ...(y?.detections !== undefined ? { detections: y.detections } : {}),
        ...(y?.detectionsMinScore !== undefined ? { detectionsMinScore: y.detectionsMinScore } : {}),
        confActivation: y?.confActivation ?? "auto",
        protoLayout: y?.protoLayout ?? "auto",
        outputNames: {
          loc: m.outputs.loc,
          conf: m.outputs.conf,
          mask: m.outputs.mask,
          proto: m.outputs.proto,
          ...(m.outputs.priors !== undefined ? { priors: m.outputs.priors } : {}),
        },
      };
      return o;
    }
    case "yolo-seg": {
      const o: AdapterOptions["yolo-seg"] = {
        scoreThreshold: t.score,
        nmsIou: t.nmsIou,
        maxDetections: t.maxDetections,
        maskThreshold: t.mask,
        outputNames: { output0: m.outputs.output0, output1: m.outputs.output1 },
        ...(m.yoloSeg?.detections !== undefined ? { detections: m.yoloSeg.detections } : {}),
        ...(m.yoloSeg?.detectionsMinScore !== undefined
          ? { detectionsMinScore: m.yoloSeg.detectionsMinScore }
          : {}),
      };
      return o;
    }
  }
}
