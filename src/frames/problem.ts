/**
 * A per-frame fault that does not stop the pipeline: a corrupt file, a failed inference,
 * a sink that threw. Problems are counted by code and shown; fatal start-up faults are
 * `InputError`s instead (exit code 2).
 */
export type ProblemCode =
  | "decode-failed" // an image/video/message could not be decoded
  | "read-failed" // a file could not be read
  | "bad-message" // a message of the wrong type/encoding
  | "inference-failed" // session.run threw for one frame
  | "worker-crashed" // an inference worker died; its frame is counted as failed
  | "track-failed" // the tracker threw for one result; it goes out untracked
  | "sink-failed" // a sink threw for one result
  | "client-message" // a malformed message from a dashboard client
  | "source-error"; // a source reported an error mid-stream but went on

export interface Problem {
  readonly kind: "problem";
  readonly code: ProblemCode;
  /** The input involved: a path, topic, URI or component name. */
  readonly input: string;
  readonly reason: string;
  readonly sourceId?: string;
  readonly frameId?: number;
  readonly stampNs?: bigint;
}

export function problem(
  code: ProblemCode,
  input: string,
  reason: string,
  extra: { sourceId?: string; frameId?: number; stampNs?: bigint } = {},
): Problem {
  return { kind: "problem", code, input, reason, ...extra };
}

export function isProblem(x: unknown): x is Problem {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "problem";
}

/** Human-readable one-line form: `decode-failed: a/b.png: invalid PNG signature`. */
export function formatProblem(p: Problem): string {
  return `${p.code}: ${p.input}: ${p.reason}`;
}

/**
 * Bad start-up input (bad config, missing file, missing binary, wrong model).
 * The CLI maps it to exit code 2. The message names the input and what is wrong.
 */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    readonly input: string,
    message: string,
    readonly hint?: string,
  ) {
    super(`${input}: ${message}${hint ? `\n  hint: ${hint}` : ""}`);
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
