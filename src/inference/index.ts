/** Public surface of the inference engine: manifests, model resolution, providers, preprocessing, worker pool. */
export {
  ManifestSchema,
  parseManifest,
  loadManifest,
  formatManifestIssues,
  REQUIRED_MANIFEST_FIELDS,
  type Manifest,
  type ManifestInput,
  type InputSpec,
  type AdapterKind,
} from "./manifest.js";
export {
  resolveModel,
  bundledModelNames,
  defaultModelsDir,
  checkModelIo,
  type ResolvedModel,
  type SessionIo,
} from "./model.js";
export {
  AUTO_PROVIDERS,
  GPU_INSTALL_HINT,
  PROVIDER_NAMES,
  expandProviders,
  ortProviderEntry,
  selectProvider,
  staticAvailability,
  tensorRtOrtOptions,
  type ProviderName,
  type ProviderOptions,
  type ProvidersConfig,
  type ProviderAttempt,
  type Selection,
} from "./providers.js";
export {
  Preprocessor,
  letterboxPlacement,
  type PreprocessSpec,
  type PixelSource,
  type Placement,
} from "./preprocess.js";
export { adapterOptionsOf, labelMapOf } from "./adapter-options.js";
export {
  InferenceEngine,
  InferenceError,
  WorkerCrashedError,
  EngineClosedError,
  type EngineOptions,
  type EngineStats,
} from "./pool.js";
export type { SegmentationResult } from "./result.js";
