export { ConfigSchema, type Config, type SourceConfig } from "./schema.js";
export { DEFAULT_CONFIG } from "./defaults.js";
export { loadConfig, readConfigFile, validateConfig, deepMerge } from "./load.js";
