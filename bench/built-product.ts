import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Newest modification time (ms) of the files under `dir` whose names end with `ext`; 0 if none. */
function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/**
 * Makes sure `dist/` is the build of the current `src/` before a bench runs the product from it
 * (bench/replay-child.mjs): when a source file is newer than the build's entry point, or there
 * is no build, runs `tsc -p tsconfig.build.json` (as `npm run build` does) and exits 1 if that
 * fails. Returns the repository root.
 */
export function ensureBuilt(): string {
  let built = 0;
  try {
    built = statSync(join(ROOT, "dist", "cli", "main.js")).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > 0 && newest(join(ROOT, "src"), ".ts") <= built) return ROOT;
  console.error("bench: building dist/ (the replays run the built product, as `segstream run` does)");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`bench: the build failed (tsc exit ${r.status ?? r.signal ?? "?"})`);
    process.exit(1);
  }
  return ROOT;
}
