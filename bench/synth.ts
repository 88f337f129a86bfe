/**
 * Synthetic city rendering speed (file encoding excluded), frames/s on one core, against the
 * 17 fps the sequence plays at (target ≥ 17 frames/s at 1024×512). Figures, never a test.
 *
 *   node --import tsx bench/synth.ts [--frames N] [--seed N]
 */
import { parseArgs } from "node:util";
import { SynthSequence, sequenceSeed } from "../src/synth/index.js";
import { runWithProductFlags } from "./node-flags.js";

runWithProductFlags();

const { values } = parseArgs({
  options: { frames: { type: "string", default: "60" }, seed: { type: "string", default: "7" } },
});
const frames = Number(values.frames);
for (const [width, height] of [
  [1024, 512],
  [512, 256],
  [2048, 1024],
] as const) {
  const seq = new SynthSequence({
    seed: sequenceSeed(Number(values.seed), 0),
    width,
    height,
    fps: 17,
    frames,
  });
  for (let i = 0; i < 3; i++) seq.render(i); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    seq.render(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / frames;
  const p95 = times[Math.floor(0.95 * (frames - 1))]!;
  console.log(
    `synth ${width}x${height}: ${(1000 / mean).toFixed(1)} frames/s (mean ${mean.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms) · ${(1000 / mean / 17).toFixed(2)}× realtime at 17 fps`,
  );
}
