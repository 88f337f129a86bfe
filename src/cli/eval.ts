import type { Command } from "commander";
import { InputError } from "../frames/problem.js";
import { action } from "./command.js";

interface EvalFlags {
  gt: string;
  pred: string;
  tasks: string;
  minGtArea?: string;
  json?: boolean;
}

/**
 * `segstream eval --gt DIR --pred DIR [--tasks semantic,panoptic,instance,tracking]
 * [--min-gt-area PX] [--json]`
 */
export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "score Cityscapes-format predictions against ground truth (semantic IoU/iIoU, panoptic PQ, instance AP, tracking HOTA/MOTSA/IDF1)",
    )
    .requiredOption("--gt <dir>", "ground truth: Cityscapes root, gtFine folder, split or city folder")
    .requiredOption(
      "--pred <dir>",
      "predictions: <city>/<stem>_pred_{labelIds,instanceIds}.png and _pred_instances.json",
    )
    .option("--tasks <list>", "comma list of tasks: semantic, panoptic, instance, tracking", "semantic")
    .option(
      "--min-gt-area <px>",
      "tracking: GT instances smaller than this (pixels, per frame) are ignore regions, not GT (default 100; 0 scores all)",
    )
    .option("--json", "print one JSON object on stdout (NaN scores as null)")
    .action(
      action(async (ctx, flags: EvalFlags) => {
        const { evaluate, formatEvalResult, parseTasks } = await import("../eval/index.js");
        const tasks = parseTasks(flags.tasks);
        const minGtArea = flags.minGtArea === undefined ? undefined : parseMinGtArea(flags.minGtArea);
        let lastLog = Date.now();
        const result = await evaluate({
          gt: flags.gt,
          pred: flags.pred,
          tasks,
          ...(minGtArea === undefined ? {} : { minGtArea }),
          onProgress: (done, total) => {
            if (done === total || Date.now() - lastLog > 2000) {
              lastLog = Date.now();
              ctx.log.info({ done, total }, "eval progress");
            }
          },
        });
        if (flags.json) ctx.printJson(result);
        else process.stdout.write(formatEvalResult(result));
      }),
    );
}

/** `--min-gt-area`: a whole number of pixels ≥ 0 (digits only), else an InputError naming flag and value. */
export function parseMinGtArea(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new InputError("--min-gt-area", `expected a whole number of pixels ≥ 0, got "${value}"`);
  }
  return Number(value);
}
