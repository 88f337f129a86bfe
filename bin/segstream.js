#!/usr/bin/env node
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
