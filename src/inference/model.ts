import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../frames/problem.js";
import { didYouMean } from "../util/suggest.js";
import { loadManifest, REQUIRED_MANIFEST_FIELDS, type Manifest } from "./manifest.js";

/** A model ready to load: the ONNX path and its validated manifest. Plain data (worker-cloneable). */
export interface ResolvedModel {
  readonly name: string;
  readonly onnxPath: string;
  readonly manifestPath: string;
  readonly manifest: Manifest;
}

/**
 * Resolves `--model NAME|PATH`:
 * - a bundled name → `<modelsDir>/<name>.json` + `<modelsDir>/<name>.onnx`;
 * - a path to `.onnx` → the manifest beside it with the same stem;
 * - a path to `.json` → the manifest, whose ONNX has the same stem.
 */
export function resolveModel(nameOrPath: string, modelsDir: string): ResolvedModel {
  const ext = extname(nameOrPath).toLowerCase();
  const looksLikePath =
    ext === ".onnx" || ext === ".json" || nameOrPath.includes("/") || isAbsolute(nameOrPath);
  let stem: string;
  if (looksLikePath) {
    const p = resolve(nameOrPath);
    stem = ext === ".onnx" || ext === ".json" ? p.slice(0, -ext.length) : p;
    if (ext !== ".onnx" && ext !== ".json" && !existsSync(`${p}.onnx`) && !existsSync(`${p}.json`)) {
      // A path without the two extensions is a stem ("models/foo" → foo.onnx + foo.json); an
      // existing file of another kind is not a model at all.
      throw new InputError(
        nameOrPath,
        existsSync(p)
          ? `not a model: expected a .onnx file (with its .json manifest beside it) or a .json manifest, got ${ext === "" ? "a file without an extension" : `a ${ext} file`}`
          : `no such model: neither ${basename(p)}.onnx nor ${basename(p)}.json in ${dirname(p)}`,
        "pass a bundled model name (see `segstream models`) or a path to a .onnx with a .json manifest beside it",
      );
    }
  } else {
    stem = resolve(modelsDir, nameOrPath);
    if (!existsSync(`${stem}.json`) && !existsSync(`${stem}.onnx`)) {
      const names = bundledModelNames(modelsDir);
      throw new InputError(
        nameOrPath,
        `no such model: not a bundled model name and not a path` +
          didYouMean(nameOrPath, names) +
          (names.length ? `; bundled models: ${names.join(", ")}` : `; no models in ${modelsDir}`),
        "pass a bundled model name (see `segstream models`) or a path to a .onnx with a .json manifest beside it",
      );
    }
  }
  const onnxPath = `${stem}.onnx`;
  const manifestPath = `${stem}.json`;
  if (!existsSync(onnxPath)) {
    throw new InputError(
      onnxPath,
      "model file not found",
      existsSync(manifestPath)
        ? `the manifest ${basename(manifestPath)} needs its ONNX beside it`
        : "pass a bundled model name (see `segstream models`) or a path to a .onnx with a .json manifest beside it",
    );
  }
  if (!existsSync(manifestPath)) {
    throw new InputError(
      onnxPath,
      `no model manifest: expected ${manifestPath} beside the ONNX file. A manifest needs these fields:\n  - ` +
        REQUIRED_MANIFEST_FIELDS.join("\n  - ") +
        `\n  (optional: thresholds {score, nmsIou, topK, maxDetections, mask}, yolact {priors, confActivation, protoLayout})`,
      `copy a manifest from ${join(modelsDir, "*.json")} and edit it for this model`,
    );
  }
  const manifest = loadManifest(manifestPath);
  return { name: manifest.name, onnxPath, manifestPath, manifest };
}

/** Names of bundled models: stems with both .json and .onnx in `modelsDir`. */
export function bundledModelNames(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  const files = new Set(readdirSync(modelsDir));
  return [...files]
    .filter((f) => f.endsWith(".json") && files.has(`${f.slice(0, -5)}.onnx`))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Where the bundled models live, relative to this file (src/inference or dist/inference). */
export function defaultModelsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");
}

/** What an ORT session exposes about its I/O (onnxruntime-common 1.30 `inputMetadata`/`outputMetadata`). */
export interface SessionIo {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueInfo[];
  readonly outputMetadata: readonly ValueInfo[];
}
export type ValueInfo =
  | { readonly name: string; readonly isTensor: false }
  | {
      readonly name: string;
      readonly isTensor: true;
      readonly type: string;
      readonly shape: ReadonlyArray<number | string>;
    };

function shapeText(info: ValueInfo | undefined): string {
  if (info === undefined) return "(absent)";
  if (!info.isTensor) return "(not a tensor)";
  return `${info.type}[${info.shape.map(String).join(",")}]`;
}

/**
 * Checks a manifest against the loaded session: input name, input shape [1|N,3,H,W]
 * (symbolic dims accept any size), and that every output role names a real output.
 * Throws one InputError listing expected vs found for every mismatch.
 */
export function checkModelIo(model: Pick<ResolvedModel, "manifest" | "onnxPath">, io: SessionIo): void {
  const m = model.manifest;
  const problems: string[] = [];
  const input = io.inputMetadata.find((v) => v.name === m.input.name);
  const expectedShape = `float32[1,3,${m.input.height},${m.input.width}]`;
  if (input === undefined) {
    problems.push(
      `input: expected "${m.input.name}" ${expectedShape}; found ${io.inputMetadata.map((v) => `"${v.name}" ${shapeText(v)}`).join(", ")}` +
        didYouMean(m.input.name, io.inputNames),
    );
  } else if (!input.isTensor || input.type !== "float32" || input.shape.length !== 4) {
    problems.push(`input "${input.name}": expected ${expectedShape}; found ${shapeText(input)}`);
  } else {
    const want = [1, 3, m.input.height, m.input.width];
    const bad = input.shape.some((d, i) => typeof d === "number" && d > 0 && d !== want[i]);
    if (bad) {
      problems.push(
        `input "${input.name}" shape: expected ${expectedShape} (manifest input.width=${m.input.width}, input.height=${m.input.height}); found ${shapeText(input)}`,
      );
    }
  }
  if (io.inputNames.length > 1) {
    problems.push(
      `inputs: expected exactly one input ("${m.input.name}"); found ${io.inputNames.join(", ")}`,
    );
  }
  for (const [role, name] of Object.entries(m.outputs)) {
    if (!io.outputNames.includes(name)) {
      problems.push(
        `output role "${role}": expected tensor "${name}"; found outputs ${io.outputMetadata
          .map((v) => `"${v.name}" ${shapeText(v)}`)
          .join(", ")}${didYouMean(name, io.outputNames)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new InputError(
      model.onnxPath,
      `model does not match its manifest:\n  - ${problems.join("\n  - ")}`,
      "fix the manifest (input/outputs) or re-export the model",
    );
  }
}
