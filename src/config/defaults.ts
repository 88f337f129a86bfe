import { DEFAULT_TRACKER_OPTIONS as T } from "../tracking/options.js";
import { DEFAULT_WORKER_NICE } from "../inference/protocol.js";
import type { Config } from "./schema.js";

/** The one defaults object. Config files and CLI flags override these keys. */
export const DEFAULT_CONFIG: Config = {
  sources: [],
  models: [],
  providers: "auto",
  providerOptions: {
    tensorrt: {
      deviceId: 0,
      fp16: true,
      engineCacheDir: ".cache/tensorrt",
      timingCacheDir: ".cache/tensorrt",
    },
    cuda: { deviceId: 0 },
    cpu: { intraOpThreads: 2 },
  },
  workers: 1,
  workerNice: DEFAULT_WORKER_NICE,
  overlap: "auto",
  policy: "auto",
  realtime: false,
  maxFrames: 0,
  // Chosen on the tracking tuning sets (seeds 9100 / 9200, models/README.md): 0.5 drops the
  // instances the semantic model mostly disagrees with.
  fusion: { minSemanticAgreement: 0.5 },
  tracking: {
    enabled: true,
    // The tracker's own defaults object is the single source of these values.
    highScoreThreshold: T.highScoreThreshold,
    lowScoreThreshold: T.lowScoreThreshold,
    newTrackThreshold: T.newTrackThreshold,
    matchThreshold: T.matchThreshold,
    lostTrackBufferSeconds: T.lostTrackBufferSeconds,
    maskIouWeight: T.maskIouWeight,
    appearanceMinSimilarity: T.appearanceMinSimilarity,
    instancesFromSemantic: T.instancesFromSemantic,
  },
  sinks: { predDir: null, record: null, dashboard: null, ros: null, queueBound: 4 },
  logging: { level: "info" },
};
