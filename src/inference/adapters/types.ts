/**
 * The contract between the inference worker and the model adapters. Adapters are pure
 * functions: raw ORT outputs + geometry + labels in, a validated SegmentationResult out.
 */

/** One model output as the worker hands it over (ORT tensor data, float32). */
export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export type Outputs = Readonly<Record<string, OutputTensor>>;

/**
 * How a frame was mapped onto the network input. Network coordinates relate to frame
 * coordinates by `net = frame·scale + pad` per axis (pixel edges, not centres).
 * - stretch: scaleX = netWidth/frameWidth, scaleY = netHeight/frameHeight, no pad.
 * - letterbox: one `scale` for both axes plus `padX`/`padY` (left/top); when omitted they are
 *   computed as Ultralytics does: scale = min(netW/w, netH/h), pad = round((net − round(size·scale))/2 − 0.1).
 */
export interface InputGeometry {
  readonly netWidth: number;
  readonly netHeight: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly resize: "stretch" | "letterbox";
  readonly scale?: number;
  readonly padX?: number;
  readonly padY?: number;
}

/**
 * Model class index → Cityscapes label id. For YOLACT, index 0 is the first foreground class
 * (conf column 1). A missing or negative entry means "not a Cityscapes class": semantic pixels
 * become 0 (unlabeled), detections of that class are dropped.
 */
export interface LabelMap {
  readonly toLabelId: readonly number[];
}

export interface DeeplabOptions {
  /** Default: the first of `out`, `logits`, `output` present, else the only non-`aux` output. */
  readonly outputName?: string;
  /**
   * "argmax": argmax at logit resolution, then nearest upsample.
   * "logits": bilinear-upsample the logits (align_corners=False) then argmax per frame pixel
   * (exact, computed only at class boundaries: logit-upsample.ts).
   * "auto" (default): "logits" when the logits are coarser than the network input (the model
   * leaves the upsampling to us), else "argmax" (the model upsampled them in-graph).
   */
  readonly upsample?: "auto" | "argmax" | "logits";
}

export interface YolactPriorOptions {
  /** Pixel scales per level, relative to `maxSize` (use_pixel_scales). */
  readonly scales: readonly (readonly number[])[];
  /** One aspect-ratio list shared by all levels (YOLACT: [1, 1/2, 2]). */
  readonly aspectRatios: readonly number[];
  /** YOLACT v1 configs: true (h = w). */
  readonly squareAnchors: boolean;
  /** [h, w] per level; default: the ResNet-FPN sizes (input halved with ceil 3 + level times). */
  readonly featureSizes?: readonly (readonly [number, number])[];
  /** Default: geometry.netWidth. */
  readonly maxSize?: number;
}

export interface YolactOptions {
  /** Display threshold applied last (strictly greater). Default 0.3. */
  readonly scoreThreshold?: number;
  /**
   * Also return `detections`: every ranked detection (≤ maxDetections, display threshold not
   * applied) with its mask — what instance AP scores. Costs one mask per detection. Default false.
   */
  readonly detections?: boolean;
  /** With `detections`: only the ranked detections scoring ≥ this. Default 0 (all). */
  readonly detectionsMinScore?: number;
  /** Candidate threshold on the max foreground score (strictly greater). Default 0.05. */
  readonly confThreshold?: number;
  /** Fast-NMS IoU threshold. Default 0.5. */
  readonly nmsIou?: number;
  /** Candidates per class entering Fast NMS. Default 200. */
  readonly topK?: number;
  /** Default 100. */
  readonly maxDetections?: number;
  /** Default 0.5 (on the sigmoid). */
  readonly maskThreshold?: number;
  /** Default: the YOLACT base priors (scales 24…384 ×maxSize/550, ratios [1,1/2,2], square). */
  readonly priors?: YolactPriorOptions;
  /** Default "auto": softmax already applied iff sampled rows lie in [0,1] and sum to ≈1. */
  readonly confActivation?: "softmax" | "logits" | "auto";
  /** Default "auto": the axis equal to the coefficient count; ambiguous → nhwc (YOLACT's own). */
  readonly protoLayout?: "nhwc" | "nchw" | "auto";
  /** Default {loc:"loc", conf:"conf", mask:"mask", proto:"proto", priors:"priors" (used if present)}. */
  readonly outputNames?: {
    readonly loc?: string;
    readonly conf?: string;
    readonly mask?: string;
    readonly proto?: string;
    readonly priors?: string;
  };
}

export interface YoloSegOptions {
  /** Candidate threshold on the max class score (strictly greater). Default 0.25. */
  readonly scoreThreshold?: number;
  /** Per-class greedy NMS IoU threshold. Default 0.7. */
  readonly nmsIou?: number;
  /** Default 300. */
  readonly maxDetections?: number;
  /** Default 0.5 (on the sigmoid). */
  readonly maskThreshold?: number;
  /** Default: output0 rows − 4 − prototype count. */
  readonly numClasses?: number;
  /** Default {output0:"output0", output1:"output1"}. */
  readonly outputNames?: { readonly output0?: string; readonly output1?: string };
  /**
   * Also return `detections`: the NMS survivors scoring ≥ detectionsMinScore (floored at
   * YOLO_SEG_MIN_DETECTION_SCORE), below the candidate threshold too, each with its mask.
   */
  readonly detections?: boolean;
  /** Default 0 (then YOLO_SEG_MIN_DETECTION_SCORE, 0.001). */
  readonly detectionsMinScore?: number;
}

export interface AdapterContext {
  readonly geometry: InputGeometry;
  readonly labels: LabelMap;
  readonly frameId: number;
  readonly sourceId: string;
  readonly stampNs: bigint;
}
