import type { Command } from "commander";
import { InputError } from "../frames/problem.js";
import { action, parseIntOption, parseSize } from "./command.js";

interface SynthFlags {
  out?: string;
  frames: string;
  seed: string;
  size: string;
  fps: string;
  city: string;
  split: string;
  sequences: string;
  json?: boolean;
}

const NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

export function registerSynth(program: Command): void {
  program
    .command("synth")
    .description("render the synthetic city with exact ground truth, in the Cityscapes layout")
    .option("--out <dir>", "output folder (created)")
    .option("--frames <n>", "frames per sequence", "30")
    .option("--seed <n>", "world seed", "0")
    .option("--size <WxH>", "image size", "1024x512")
    .option("--fps <n>", "frame rate (timestamps)", "17")
    .option("--city <name>", "city name in file names", "synth")
    .option("--split <name>", "split folder", "val")
    .option("--sequences <n>", "number of sequences (seq 000000…)", "1")
    .option("--json", "print one JSON object on stdout")
    .action(
      action(async (ctx, f: SynthFlags) => {
        if (f.out === undefined)
          throw new InputError("--out", "required: the folder to write the sequence to");
        const frames = parseIntOption("--frames", f.frames, 1);
        const seed = parseIntOption("--seed", f.seed, 0);
        const fps = Number(f.fps);
        if (!(fps > 0) || fps > 1000)
          throw new InputError("--fps", `expected a number in (0, 1000], got "${f.fps}"`);
        const { width, height } = parseSize("--size", f.size);
        if (!NAME.test(f.city))
          throw new InputError("--city", `expected letters, digits and '-', got "${f.city}"`);
        if (!NAME.test(f.split))
          throw new InputError("--split", `expected letters, digits and '-', got "${f.split}"`);
        const sequences = parseIntOption("--sequences", f.sequences, 1);
        const { writeSynthetic } = await import("../synth/index.js");
        const report = await writeSynthetic({
          out: f.out,
          frames,
          seed,
          width,
          height,
          fps,
          city: f.city,
          split: f.split,
          sequences,
        });
        const renderFps =
          report.renderMs > 0 ? Math.round((report.frames * 10000) / report.renderMs) / 10 : 0;
        ctx.log.info(
          { ...report, renderFps },
          `wrote ${report.frames} frames (${report.files} files) to ${report.out}`,
        );
        if (f.json)
          ctx.printJson({ ...report, seed, width, height, fps, city: f.city, split: f.split, renderFps });
        return 0;
      }),
    );
}
