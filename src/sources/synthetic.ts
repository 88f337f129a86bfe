import { makeFrame } from "../frames/frame.js";
import { InputError } from "../frames/problem.js";
import { SynthSequence } from "../synth/sequence.js";
import type { FrameSource, SourceEvent } from "./source.js";

export interface SyntheticSourceOptions {
  readonly sourceId?: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Frames per synthetic sequence; the next sequence uses the next seed. Default 600. */
  readonly framesPerSequence?: number;
  /** Stop after this many frames (default: run until closed). */
  readonly maxFrames?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The synthetic city as a live source: frames are rendered on a wall-clock schedule at `fps`
 * and stamped with the wall-clock time (ns since the epoch) at which they were due, like a
 * camera. If rendering falls behind, frames are skipped to stay on schedule, as a camera
 * would. The pipeline applies latest-wins to it. Consecutive sequences of `framesPerSequence`
 * frames use seeds seed, seed+1, …; `meta.sequence` changes at each boundary.
 */
export function openSyntheticSource(opts: SyntheticSourceOptions): FrameSource {
  const { width, height, fps, seed } = opts;
  if (!(fps > 0)) throw new InputError("synthetic fps", `must be > 0, got ${fps}`);
  if (width < 16 || height < 16)
    throw new InputError("synthetic size", `must be at least 16x16, got ${width}x${height}`);
  const perSeq = opts.framesPerSequence ?? 600;
  const sourceId = opts.sourceId ?? "synthetic";
  let closed = false;

  async function* events(): AsyncGenerator<SourceEvent> {
    const periodMs = 1000 / fps;
    const t0 = performance.now();
    const wall0 = BigInt(Date.now()) * 1_000_000n;
    let seqIndex = -1;
    let seq: SynthSequence | undefined;
    for (let n = 0; !closed && (opts.maxFrames === undefined || n < opts.maxFrames);) {
      const dueMs = n * periodMs;
      const wait = t0 + dueMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (closed) return;
      const s = Math.floor(n / perSeq);
      if (s !== seqIndex || seq === undefined) {
        seqIndex = s;
        seq = new SynthSequence({ seed: seed + s, width, height, fps, frames: perSeq });
      }
      const f = seq.render(n % perSeq);
      yield makeFrame({
        id: n,
        stampNs: wall0 + BigInt(Math.round(dueMs * 1e6)),
        sourceId,
        width,
        height,
        encoding: "rgb8",
        data: f.rgb.slice(),
        meta: { sequence: `synthetic_${String(seed + s).padStart(6, "0")}` },
      });
      // Skip frames whose time has already passed (a camera does not queue them either).
      const late = Math.floor((performance.now() - t0) / periodMs);
      n = Math.max(n + 1, late);
    }
  }

  return {
    id: sourceId,
    kind: "live",
    frameCount: undefined,
    fps,
    events,
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
