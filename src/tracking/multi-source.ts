/**
 * One `ByteTracker` per `sourceId`, so sources never share tracks. A source's tracker is reset
 * when the caller passes a `sequence` different from the one seen last for that source (e.g.
 * `frame.meta.sequence` of a Cityscapes replay), and when the source's frame size changes (a
 * camera switching resolution, a folder of mixed sizes: masks of two sizes cannot be matched);
 * ids keep counting per source (never reused).
 */
import type { SegmentationResult } from "../inference/result.js";
import type { ImageView } from "./appearance.js";
import { trackerOptions, type TrackerOptions, type TrackerOptionsInit } from "./options.js";
import { ByteTracker } from "./tracker.js";

export interface UpdateContext {
  /** Sequence name of the frame; a change resets this source's tracker. */
  readonly sequence?: string;
  /** The frame's pixels, for appearance descriptors (see `appearanceMinSimilarity`). */
  readonly image?: ImageView;
}

export class MultiSourceTracker {
  readonly options: TrackerOptions;
  private readonly trackers = new Map<
    string,
    { tracker: ByteTracker; sequence: string | undefined; width: number; height: number }
  >();

  constructor(options: TrackerOptionsInit = {}) {
    this.options = trackerOptions(options);
  }

  update(result: SegmentationResult, context: UpdateContext = {}): SegmentationResult {
    let entry = this.trackers.get(result.sourceId);
    const { width, height } = result;
    if (entry === undefined) {
      entry = { tracker: new ByteTracker(this.options), sequence: context.sequence, width, height };
      this.trackers.set(result.sourceId, entry);
    } else {
      if (context.sequence !== undefined && context.sequence !== entry.sequence) {
        if (entry.sequence !== undefined) entry.tracker.reset();
        entry.sequence = context.sequence;
      }
      if (width !== entry.width || height !== entry.height) {
        entry.tracker.reset();
        entry.width = width;
        entry.height = height;
      }
    }
    return entry.tracker.update(result, context.image);
  }

  /** The tracker of `sourceId`, if it has seen a frame. */
  tracker(sourceId: string): ByteTracker | undefined {
    return this.trackers.get(sourceId)?.tracker;
  }

  get sourceIds(): readonly string[] {
    return [...this.trackers.keys()];
  }

  /** Resets one source (or all when omitted). */
  reset(sourceId?: string): void {
    if (sourceId === undefined) {
      for (const e of this.trackers.values()) e.tracker.reset();
      return;
    }
    this.trackers.get(sourceId)?.tracker.reset();
  }
}
