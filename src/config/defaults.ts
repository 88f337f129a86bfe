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
  policy: "auto",
  realtime: false,
  maxFrames: 0,
  tracking: {
    enabled: true,
    highScoreThreshold: 0.5,
    lowScoreThreshold: 0.1,
    newTrackThreshold: 0.6,
    matchThreshold: 0.2,
    lostTrackBufferSeconds: 1.5,
    maskIouWeight: 0.5,
    instancesFromSemantic: false,
  },
  sinks: { predDir: null, record: null, dashboard: null, ros: null, queueBound: 4 },
  logging: { level: "info" },
};
