import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * Raises the calling thread's nice value by `by` (Linux: nice is per thread, and threads created
 * afterwards — ORT's intra-op pool — inherit it). Best effort: returns a warning, never throws.
 */
export function lowerThreadPriority(by: number): string | undefined {
  if (by <= 0 || process.platform !== "linux") return undefined;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return "inference thread priority unchanged: no thread id";
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return undefined;
  } catch (e) {
    return `inference thread priority unchanged: ${e instanceof Error ? e.message : String(e)}`;
  }
}
