/**
 * The inference engine's errors, and the rebuilding of an error a worker reported (the worker
 * protocol carries name, message, input and hint; an InputError comes back as one).
 */
import { InputError, type Problem } from "../frames/problem.js";
import type { ErrorInfo } from "./protocol.js";

/** A frame that could not be inferred; `problem.code` says why. */
export class InferenceError extends Error {
  override name = "InferenceError";
  constructor(readonly problem: Problem) {
    super(`${problem.code}: ${problem.input}: ${problem.reason}`);
  }
}
/** The worker holding the frame died; the frame is counted as failed and the worker restarted. */
export class WorkerCrashedError extends InferenceError {
  override name = "WorkerCrashedError";
}
export class EngineClosedError extends Error {
  override name = "EngineClosedError";
  constructor() {
    super("inference engine is disposed");
  }
}

/** The Error a worker's ErrorInfo describes (InputError keeps its input and hint). */
export function errorFromInfo(e: ErrorInfo): Error {
  if (e.name === "InputError") {
    let msg = e.message;
    if (e.input !== undefined && msg.startsWith(`${e.input}: `)) msg = msg.slice(e.input.length + 2);
    if (e.hint !== undefined && msg.endsWith(`\n  hint: ${e.hint}`)) msg = msg.slice(0, -(e.hint.length + 9));
    return new InputError(e.input ?? "model", msg, e.hint);
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
