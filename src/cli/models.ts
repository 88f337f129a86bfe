import { statSync } from "node:fs";
import type { Command } from "commander";
import { action } from "./command.js";

/** `segstream models`: the bundled models and their manifests. */
export function registerModels(program: Command): void {
  program
    .command("models")
    .description("list the bundled models and their manifests")
    .option("--json", "print one JSON object on stdout")
    .action(
      action(async (ctx, flags: { json?: boolean }) => {
        const { bundledModelNames, defaultModelsDir, resolveModel } = await import("../inference/model.js");
        const dir = defaultModelsDir();
        const models = bundledModelNames(dir).map((name) => {
          const m = resolveModel(name, dir);
          return {
            name,
            task: m.manifest.task,
            adapter: m.manifest.adapter,
            input: `${m.manifest.input.width}x${m.manifest.input.height} ${m.manifest.input.channelOrder} ${m.manifest.input.resize}`,
            classes: m.manifest.labels.map((l) => l.name),
            sizeMB: Math.round(statSync(m.onnxPath).size / 1e4) / 100,
            provenance: m.manifest.provenance,
            onnx: m.onnxPath,
          };
        });
        if (flags.json) {
          ctx.printJson({ modelsDir: dir, models });
          return 0;
        }
        if (models.length === 0) {
          process.stdout.write(`no bundled models in ${dir}\n`);
          return 0;
        }
        for (const m of models) {
          process.stdout.write(
            `${m.name}\n  ${m.task} (${m.adapter}), input ${m.input}, ${m.sizeMB} MB\n  classes: ${m.classes.join(", ")}\n  source: ${m.provenance.source}\n`,
          );
        }
        return 0;
      }),
    );
}
