import { readFileSync } from "node:fs";
import { z } from "zod";
import { labelById } from "../frames/labels.js";
import { InputError } from "../frames/problem.js";
import { didYouMean } from "../util/suggest.js";
import { formatZodIssues } from "../util/zod-issues.js";

/**
 * The model manifest: `models/<name>.json` beside `models/<name>.onnx`. It states what the
 * ONNX file cannot: task, adapter, normalisation, output roles, labels, thresholds, provenance.
 * Every object is strict: an unknown key is an error with a "did you mean" suggestion.
 */

const rgb = z.tuple([z.number(), z.number(), z.number()]);
const color = z.tuple([z.int().min(0).max(255), z.int().min(0).max(255), z.int().min(0).max(255)]);
const positive3 = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);

export const InputSpecSchema = z.strictObject({
  /** Input tensor name in the ONNX graph. */
  name: z.string().min(1),
  width: z.int().positive(),
  height: z.int().positive(),
  layout: z.literal("NCHW").default("NCHW"),
  /** Channel order the network expects (the frame is converted to it). */
  channelOrder: z.enum(["rgb", "bgr"]),
  /** Per-channel mean and std in the network's channel order, in units after `scale`. */
  mean: rgb,
  std: positive3,
  /** Multiplier applied to 0..255 pixel values before mean/std (e.g. 1/255 or 1). */
  scale: z.number().positive(),
  resize: z.enum(["stretch", "letterbox"]),
  /** Letterbox fill, in 0..255 pixel units (Ultralytics uses 114). */
  padValue: z.number().min(0).max(255).default(0),
});

export const LabelEntrySchema = z.strictObject({
  /** Model class index (channel or class column). */
  index: z.int().min(0),
  /** Cityscapes label id (specs/04). */
  labelId: z.int().min(-1).max(33),
  name: z.string().min(1),
  color,
});

export const ThresholdsSchema = z.strictObject({
  score: z.number().min(0).max(1).default(0.5),
  nmsIou: z.number().min(0).max(1).default(0.5),
  topK: z.int().positive().default(200),
  maxDetections: z.int().positive().default(100),
  mask: z.number().min(0).max(1).default(0.5),
});

export const YolactSectionSchema = z.strictObject({
  priors: z
    .strictObject({
      /** Anchor scales per FPN level, in pixels relative to `maxSize` (use_pixel_scales). */
      scales: z.array(z.array(z.number().positive()).min(1)).min(1),
      /** One aspect-ratio list shared by all levels (YOLACT: [1, 0.5, 2]). */
      aspectRatios: z.array(z.number().positive()).min(1),
      squareAnchors: z.boolean(),
      /** [h, w] per level; default: the ResNet-FPN sizes for the input size. */
      featureSizes: z.array(z.tuple([z.int().positive(), z.int().positive()])).optional(),
      /** Default: input.width. */
      maxSize: z.number().positive().optional(),
    })
    .optional(),
  confActivation: z.enum(["auto", "softmax", "logits"]).default("auto"),
  protoLayout: z.enum(["auto", "nhwc", "nchw"]).default("auto"),
  /** Per-class confidence threshold before NMS (thresholds.score applies after). */
  confThreshold: z.number().min(0).max(1).optional(),
  /**
   * Also return the ranked detections below thresholds.score (`SegmentationResult.detections`,
   * what instance AP scores; one mask per detection). `segstream run --pred-dir` turns it on.
   */
  detections: z.boolean().optional(),
  /**
   * With `detections`: only those scoring ≥ this (default 0: all ranked). The tracker's low-score
   * threshold when only tracking needs them (BYTE's second stage), so no mask is made for a
   * detection nothing reads.
   */
  detectionsMinScore: z.number().min(0).max(1).optional(),
});

export const YoloSegSectionSchema = z.strictObject({
  /**
   * Also return detections below thresholds.score, down to `detectionsMinScore`
   * (`SegmentationResult.detections`; one mask each). Set by `segstream run` for the tracker
   * (its low-score band, as Ultralytics' own tracking lowers conf to 0.1) and for prediction
   * files (instance AP; floor 0.001, the conf Ultralytics validates with).
   */
  detections: z.boolean().optional(),
  detectionsMinScore: z.number().min(0).max(1).optional(),
});

export const DeeplabSectionSchema = z.strictObject({
  /** Logits → frame: "auto" (default), "argmax" (then nearest) or "logits" (bilinear, exact). See deeplab.ts. */
  upsample: z.enum(["auto", "argmax", "logits"]).default("auto"),
});

export const ProvenanceSchema = z.strictObject({
  source: z.string().min(1),
  command: z.string().optional(),
  commit: z.string().optional(),
  seeds: z.array(z.int()).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});

export const ADAPTER_OUTPUT_ROLES = {
  deeplab: { required: ["logits"], optional: [] },
  yolact: { required: ["loc", "conf", "mask", "proto"], optional: ["priors"] },
  "yolo-seg": { required: ["output0", "output1"], optional: [] },
} as const satisfies Record<string, { required: readonly string[]; optional: readonly string[] }>;

export const ManifestSchema = z
  .strictObject({
    name: z.string().min(1),
    task: z.enum(["semantic", "instance"]),
    adapter: z.enum(["deeplab", "yolact", "yolo-seg"]),
    input: InputSpecSchema,
    /** Output role → tensor name, e.g. {logits: "out"}. */
    outputs: z.record(z.string(), z.string().min(1)),
    labels: z.array(LabelEntrySchema).min(1),
    thresholds: ThresholdsSchema.prefault({}),
    yolact: YolactSectionSchema.optional(),
    yoloSeg: YoloSegSectionSchema.optional(),
    deeplab: DeeplabSectionSchema.optional(),
    provenance: ProvenanceSchema,
  })
  .superRefine((m, ctx) => {
    const roles = ADAPTER_OUTPUT_ROLES[m.adapter];
    const known: string[] = [...roles.required, ...roles.optional];
    for (const r of roles.required) {
      if (!(r in m.outputs)) {
        ctx.addIssue({
          code: "custom",
          path: ["outputs"],
          message: `adapter "${m.adapter}" needs output role "${r}" (roles: ${known.join(", ")})`,
        });
      }
    }
    for (const r of Object.keys(m.outputs)) {
      if (!known.includes(r)) {
        ctx.addIssue({
          code: "custom",
          path: ["outputs", r],
          message: `unknown output role "${r}" for adapter "${m.adapter}"${didYouMean(r, known)}`,
        });
      }
    }
    const expectedTask = m.adapter === "deeplab" ? "semantic" : "instance";
    if (m.task !== expectedTask) {
      ctx.addIssue({
        code: "custom",
        path: ["task"],
        message: `adapter "${m.adapter}" produces ${expectedTask} results, but task is "${m.task}"`,
      });
    }
    const seen = new Set<number>();
    m.labels.forEach((l, i) => {
      if (seen.has(l.index)) {
        ctx.addIssue({
          code: "custom",
          path: ["labels", i, "index"],
          message: `duplicate class index ${l.index}`,
        });
      }
      seen.add(l.index);
      if (labelById(l.labelId) === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["labels", i, "labelId"],
          message: `${l.labelId} is not a Cityscapes label id`,
        });
      }
    });
    if (m.adapter !== "yolact" && m.yolact !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["yolact"],
        message: `"yolact" section given for adapter "${m.adapter}"`,
      });
    }
    if (m.adapter !== "deeplab" && m.deeplab !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["deeplab"],
        message: `"deeplab" section given for adapter "${m.adapter}"`,
      });
    }
  });

export type Manifest = z.output<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;
export type InputSpec = Manifest["input"];
export type AdapterKind = Manifest["adapter"];

/** Top-level fields a manifest must have (listed when a bare .onnx is given). */
export const REQUIRED_MANIFEST_FIELDS: readonly string[] = [
  "name",
  "task (semantic|instance)",
  "adapter (deeplab|yolact|yolo-seg)",
  "input {name, width, height, layout: NCHW, channelOrder: rgb|bgr, mean[3], std[3], scale, resize: stretch|letterbox, padValue}",
  "outputs (role → tensor name: deeplab {logits}; yolact {loc, conf, mask, proto, priors?}; yolo-seg {output0, output1})",
  "labels [{index, labelId, name, color [r,g,b]}]",
  "provenance {source, command?, commit?, seeds?, metrics?}",
];

/** One line per problem, with did-you-mean suggestions for unknown keys. */
export function formatManifestIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return formatZodIssues(ManifestSchema, issues);
}

/** Validates parsed JSON as a manifest; throws InputError naming `input` and every problem. */
export function parseManifest(json: unknown, input: string): Manifest {
  const r = ManifestSchema.safeParse(json);
  if (!r.success) {
    const lines = formatManifestIssues(r.error.issues);
    throw new InputError(input, `invalid model manifest:\n  - ${lines.join("\n  - ")}`);
  }
  return r.data;
}

export function loadManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(path, `cannot read model manifest: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, `model manifest is not valid JSON: ${(e as Error).message}`);
  }
  return parseManifest(json, path);
}
