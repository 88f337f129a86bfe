import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { InputError, errorMessage } from "../frames/problem.js";
import { formatZodIssues } from "../util/zod-issues.js";
import { DEFAULT_CONFIG } from "./defaults.js";
import { ConfigSchema, type Config } from "./schema.js";

type Plain = Record<string, unknown>;

function isPlain(x: unknown): x is Plain {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Deep merge: objects merge key by key, everything else (arrays included) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

/** Validates a partial config (already merged over the defaults); `input` names it in errors. */
export function validateConfig(partial: unknown, input: string): Config {
  const merged = deepMerge(DEFAULT_CONFIG, partial ?? {});
  const r = ConfigSchema.safeParse(merged);
  if (!r.success) {
    const lines = formatZodIssues(ConfigSchema, r.error.issues);
    throw new InputError(input, `invalid configuration:\n  - ${lines.join("\n  - ")}`);
  }
  const c = r.data;
  if (c.tracking.lowScoreThreshold > c.tracking.highScoreThreshold) {
    throw new InputError(
      input,
      `tracking.lowScoreThreshold (${c.tracking.lowScoreThreshold}) must not exceed tracking.highScoreThreshold (${c.tracking.highScoreThreshold})`,
    );
  }
  return c;
}

/** Reads a YAML (`.yaml`/`.yml`) or JSON config file into an unvalidated object. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(path, `cannot read config file (${errorMessage(e)})`);
  }
  try {
    const value: unknown = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
    if (value !== null && value !== undefined && !isPlain(value)) {
      throw new Error("the top level must be a mapping of keys");
    }
    return value ?? {};
  } catch (e) {
    throw new InputError(path, `cannot parse config file (${errorMessage(e)})`);
  }
}

/**
 * Loads the effective config: defaults ← file ← CLI overrides. Overrides are a partial
 * config built from flags; `undefined` values are ignored.
 */
export function loadConfig(file: string | undefined, overrides: Plain = {}): Config {
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const merged = deepMerge(fromFile, dropUndefined(overrides));
  return validateConfig(merged, file ?? "command line");
}

function dropUndefined(o: Plain): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] = isPlain(v) ? dropUndefined(v) : v;
  }
  return out;
}
