#!/usr/bin/env -S node --single-threaded-gc
// --single-threaded-gc: V8's GC helper threads run at the process's normal priority, beside the
// main thread, while the inference workers (which make most of the garbage: onnxruntime-node
// copies every output) run at a raised nice value. Measured (bench/inference.ts, yolact-synth,
// 2 runs x 4 rows): main-thread lag p99 4.0-4.9 ms without, 2.0-2.6 ms with; frames/s alike.
// Entry point: runs the compiled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "segstream: dist/ is missing; run `npm run build` (npm ci runs it through `prepare`).\n",
  );
  process.exit(1);
}
await import(main.href);
