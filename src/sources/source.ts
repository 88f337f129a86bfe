import type { Frame } from "../frames/frame.js";
import type { Problem } from "../frames/problem.js";

/** What a source yields: frames, and per-frame problems that do not stop it. */
export type SourceEvent = Frame | Problem;

/**
 * A frame source. `replay` sources are pulled: the next frame is read only when the
 * consumer asks for it (lossless, demand-driven). `live` sources produce at their own
 * rate; the pipeline applies latest-wins to them.
 */
export interface FrameSource {
  readonly id: string;
  readonly kind: "replay" | "live";
  /** Number of frames when known up front (progress bars), else undefined. */
  readonly frameCount: number | undefined;
  /** Nominal rate in frames/s, when known. */
  readonly fps: number | undefined;
  /** Yields events until the source ends or `close()` is called. Call once. */
  events(): AsyncIterable<SourceEvent>;
  /** Stops producing and releases files, processes and sockets. Idempotent. */
  close(): Promise<void>;
}
