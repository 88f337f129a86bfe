import { InputError, errorMessage } from "../frames/problem.js";
import type { Logger } from "../util/logger.js";

/** Exit codes (DESIGN.md §4). */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export interface CommandContext {
  readonly log: Logger;
  /** Writes the single JSON object for `--json` to stdout. */
  readonly printJson: (value: unknown) => void;
}

/** JSON.stringify that writes bigint as a decimal string (nanosecond stamps). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/**
 * Runs one subcommand: maps InputError to exit 2 and other errors to exit 1, with the
 * message on stderr. The action returns its exit code (default 0).
 */
export function action<A extends unknown[]>(
  fn: (ctx: CommandContext, ...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    // Loaded on use so that `--help` stays fast.
    const { createLogger } = await import("../util/logger.js");
    const log = createLogger();
    const ctx: CommandContext = {
      log,
      printJson: (value) => {
        process.stdout.write(toJson(value) + "\n");
      },
    };
    try {
      const code = await fn(ctx, ...args);
      process.exitCode = code ?? EXIT_OK;
    } catch (e) {
      if (e instanceof InputError) {
        process.stderr.write(`segstream: ${e.message}\n`);
        process.exitCode = EXIT_USAGE;
      } else {
        process.stderr.write(`segstream: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}\n`);
        process.exitCode = EXIT_RUNTIME;
      }
    }
  };
}

/** Parses `WxH` (e.g. `1024x512`) or throws an InputError naming the option. */
export function parseSize(option: string, value: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(value);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 16 || height < 16 || width > 8192 || height > 8192) {
    throw new InputError(option, `expected WxH with each side in 16..8192, got "${value}"`);
  }
  return { width, height };
}

/** Parses a positive (or non-negative) integer option or throws an InputError naming it. */
export function parseIntOption(option: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(option, `expected an integer ≥ ${min}, got "${value}"`);
  }
  return n;
}

/** `--providers` as the config takes it: "auto" or the comma-separated list (the schema checks the names). */
export function providersFlag(value: string): "auto" | string[] {
  return value === "auto" ? "auto" : value.split(",");
}
