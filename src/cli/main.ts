import { Command, CommanderError } from "commander";
import { EXIT_USAGE } from "./command.js";
import { registerBench } from "./bench.js";
import { registerSynth } from "./synth.js";
import { registerEval } from "./eval.js";
import { registerModels } from "./models.js";
import { registerRun } from "./run.js";

const program = new Command("segstream")
  .description("Real-time video segmentation pipeline for robots and vehicles")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

registerSynth(program);
registerEval(program);
registerRun(program);
registerModels(program);
registerBench(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; usage errors exit 2 (commander already printed the message).
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    throw e;
  }
}
