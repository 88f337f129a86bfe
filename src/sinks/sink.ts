import type { Frame } from "../frames/frame.js";
import type { SegmentationResult } from "../inference/result.js";

/** What the graph hands to sinks: the tracked result and the frame it came from. */
export interface Output {
  readonly frame: Frame;
  readonly result: SegmentationResult;
}

/**
 * A consumer of results. A `lossless` sink (prediction files, recordings) is awaited before
 * the frame's slot is released, so it slows the source rather than losing results. A lossy
 * sink (dashboard, ROS publishers) gets its own bounded queue and drops its oldest result
 * when it falls behind; it never slows inference.
 */
export interface Sink {
  readonly name: string;
  readonly lossless: boolean;
  write(out: Output): Promise<void>;
  /** Finishes pending work (finalizes files) and releases resources. Idempotent. */
  close(): Promise<void>;
}
