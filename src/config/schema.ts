import { z } from "zod";
import { didYouMean } from "../util/suggest.js";

/**
 * The whole pipeline configuration (YAML or JSON file, then CLI flags on top).
 * Every object is strict: an unknown key is rejected with a "did you mean".
 * Defaults live in one object, `DEFAULT_CONFIG` (defaults.ts).
 */

const SourceObject = z.strictObject({
  /** `images:PATH` · `video:PATH` · `camera:/dev/videoN` · `mcap:FILE[#TOPIC]` · `ros:/topic` · `synthetic[:k=v,…]` */
  spec: z.string().min(1),
  /** Names the source in results, metrics and multi-camera state. Default: `cam<index>`. */
  id: z.string().min(1).optional(),
  /** Replay rate when the source has no timestamps (images), or the synthetic city's rate. */
  fps: z.number().positive().optional(),
  /** ffmpeg `-hwaccel` value for video sources (e.g. `cuda`; unverified without a GPU). */
  hwaccel: z.string().min(1).optional(),
});

export const SourceSchema = z.union([z.string().min(1), SourceObject]);

const TensorrtOptions = z.strictObject({
  deviceId: z.int().min(0),
  fp16: z.boolean(),
  engineCacheDir: z.string().min(1),
  timingCacheDir: z.string().min(1),
});

export const ProviderName = z.enum(["tensorrt", "cuda", "cpu"]);

/** The message for a `providers` value that is neither "auto" nor a list of provider names. */
function providersIssue(input: unknown): string {
  const expected = `expected "auto" or a list of ${ProviderName.options.join(", ")} in order of preference`;
  const values = Array.isArray(input) ? (input as unknown[]) : [input];
  if (Array.isArray(input) && input.length === 0) return `empty list; ${expected}`;
  const bad = values.find((v) => !(ProviderName.options as readonly unknown[]).includes(v));
  if (bad === "auto") return `"auto" stands alone, not in a list; ${expected}`;
  if (typeof bad === "string") {
    const hint = /^gpu$/i.test(bad)
      ? ' (for a GPU: "cuda", or "tensorrt,cuda")'
      : didYouMean(bad, [...ProviderName.options, "auto"]);
    return `unknown execution provider "${bad}"${hint}; ${expected}`;
  }
  return `${JSON.stringify(bad ?? input)} is not an execution provider; ${expected}`;
}

export const ConfigSchema = z.strictObject({
  sources: z.array(SourceSchema),
  /** Bundled model names (see `segstream models`) or paths to `.onnx`/`.json`. */
  models: z.array(z.string().min(1)),
  /** Execution providers in order of preference, or `auto` (= tensorrt, cuda, cpu). */
  providers: z.union([z.literal("auto"), z.array(ProviderName).min(1)], {
    error: (issue) => providersIssue(issue.input),
  }),
  providerOptions: z.strictObject({
    tensorrt: TensorrtOptions,
    cuda: z.strictObject({ deviceId: z.int().min(0) }),
    cpu: z.strictObject({ intraOpThreads: z.int().min(0) }),
  }),
  /** Inference workers per model (each owns one ONNX session). */
  workers: z.int().min(1).max(16),
  /**
   * Nice value added to each inference worker thread and the ONNX Runtime threads it starts, so
   * the main thread (sources, tracking, sinks, the dashboard) is scheduled first. 0 leaves the
   * priority alone; 19 is the lowest (only for a machine dedicated to segstream: without the
   * kernel's autogroup scheduling it also yields to every other process).
   */
  workerNice: z.int().min(0).max(19),
  /**
   * Each inference worker runs its ONNX session on a thread of its own and preprocesses the next
   * frame and decodes the last one while the session runs, so runs follow back to back.
   * `auto`: on with a GPU provider (the CPU is idle during a GPU run), and on the CPU when the
   * sessions leave a core free (models × workers × intraOpThreads < cores); off when inference
   * fills every core, where the decode beside the runs costs more than it saves (measured on a
   * 2-core VM: −15 to −20 % frames/s), and for one live source (latest-wins holds one frame per
   * worker: there is no next frame to preprocess during a run). Unverified on a GPU here.
   */
  overlap: z.union([z.literal("auto"), z.boolean()], { error: 'expected "auto", true or false' }),
  /**
   * Frame policy. `lossless`: the source is pulled only when the graph has room (replay).
   * `latest-wins`: at most one frame waits, newer replaces older, drops are counted (live).
   * `auto`: lossless for recorded sources, latest-wins for live ones and with `realtime`.
   */
  policy: z.enum(["auto", "lossless", "latest-wins"]),
  /** Replay recorded sources at their recorded rate (implies latest-wins). */
  realtime: z.boolean(),
  /** Stop after this many frames per run (0 = no limit). */
  maxFrames: z.int().min(0),
  /** Several models in one run: how their results merge into one (panoptic) result. */
  fusion: z.strictObject({
    /**
     * With a semantic and an instance model: an instance whose mask lies on pixels of its own
     * Cityscapes category (person and rider: human; car … bicycle: vehicle) in the semantic map for
     * less than this fraction is dropped; the others are cut to those pixels. 0 = off.
     */
    minSemanticAgreement: z.number().min(0).max(1),
  }),
  tracking: z.strictObject({
    enabled: z.boolean(),
    /** Detections at or above this score take part in the first association stage. */
    highScoreThreshold: z.number().min(0).max(1),
    /** Detections between this and the high threshold only continue existing tracks (BYTE stage 2). */
    lowScoreThreshold: z.number().min(0).max(1),
    /** An unmatched detection starts a new track only at or above this score. */
    newTrackThreshold: z.number().min(0).max(1),
    /** Minimum combined IoU similarity for a match (1 − cost). */
    matchThreshold: z.number().min(0).max(1),
    /** How long a lost track may come back with its old id. */
    lostTrackBufferSeconds: z.number().min(0),
    /** Weight of mask IoU versus Kalman-predicted box IoU in the similarity (0 = boxes only). */
    maskIouWeight: z.number().min(0).max(1),
    /** Colour-histogram similarity below which a track and a detection never match (0 = no appearance). */
    appearanceMinSimilarity: z.number().min(0).max(1),
    /** For semantic-only runs: make instances of thing classes from connected components. */
    instancesFromSemantic: z.boolean(),
  }),
  sinks: z.strictObject({
    /** Cityscapes-format prediction files (DESIGN.md §5). */
    predDir: z.string().min(1).nullable(),
    /** MCAP recording path. */
    record: z.string().min(1).nullable(),
    dashboard: z.strictObject({ host: z.string().min(1), port: z.int().min(0).max(65535) }).nullable(),
    ros: z.strictObject({ namespace: z.string().min(1) }).nullable(),
    /** Bound of each sink's queue; a slow sink drops its oldest result beyond it (lossless sinks block). */
    queueBound: z.int().min(1),
  }),
  logging: z.strictObject({ level: z.enum(["trace", "debug", "info", "warn", "error", "silent"]) }),
});

export type Config = z.output<typeof ConfigSchema>;
export type SourceConfig = z.output<typeof SourceSchema>;
export type ProviderNameT = z.output<typeof ProviderName>;
