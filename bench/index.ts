/**
 * `npm run bench`: every benchmark, one after the other, each in its own Node process so one
 * bench's heap, workers and ORT sessions cannot disturb the next one's figures.
 *
 *   npm run bench                      # synth, tracking, inference, pipeline, overload
 *   npm run bench -- inference pipeline  # only these, in this order
 *
 * Figures and ratios only, never pass/fail: the exit code is non-zero only when a bench
 * itself crashed (its name and exit code are printed).
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PRODUCT_NODE_FLAGS } from "./node-flags.js";

const BENCHES = ["synth", "tracking", "inference", "pipeline", "overload"] as const;
type BenchName = (typeof BENCHES)[number];

function isBench(name: string): name is BenchName {
  return (BENCHES as readonly string[]).includes(name);
}

const requested = process.argv.slice(2);
for (const name of requested) {
  if (!isBench(name)) {
    console.error(`bench: unknown benchmark "${name}"; expected one of ${BENCHES.join(", ")}`);
    process.exit(2);
  }
}
const selected: readonly string[] = requested.length > 0 ? requested : BENCHES;

const here = dirname(fileURLToPath(import.meta.url));
const failed: string[] = [];
for (const name of selected) {
  console.log(`\n=== bench/${name}.ts ===`);
  // The flags segstream runs with (bin/segstream.js), so lag and throughput are the product's.
  const r = spawnSync(
    process.execPath,
    [...PRODUCT_NODE_FLAGS, "--import", "tsx", join(here, `${name}.ts`)],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) failed.push(`${name} (exit ${r.status ?? r.signal ?? "?"})`);
}
if (failed.length > 0) {
  console.error(`bench: crashed: ${failed.join(", ")}`);
  process.exit(1);
}
