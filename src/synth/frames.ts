import { makeFrame, type Frame } from "../frames/frame.js";
import { sequenceSeed } from "./rng.js";
import { SynthSequence } from "./sequence.js";

/**
 * `count` consecutive synthetic-city frames at width×height as rgb8 Frames (source "bench",
 * stamps 17 frames/s apart), rendered up front — for measuring what comes after decoding.
 */
export function cityFrames(width: number, height: number, count: number, seed = sequenceSeed(7, 0)): Frame[] {
  const seq = new SynthSequence({ seed, width, height, fps: 17, frames: count });
  return Array.from({ length: count }, (_, id) =>
    makeFrame({
      id,
      stampNs: BigInt(id) * 58_823_529n,
      sourceId: "bench",
      width,
      height,
      encoding: "rgb8",
      data: seq.render(id).rgb.slice(),
    }),
  );
}
