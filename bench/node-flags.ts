import { spawnSync } from "node:child_process";

/**
 * The V8 flags segstream runs with (bin/segstream.js's shebang, `npm start`). Without
 * `--single-threaded-gc`, V8's GC helper threads (created at start-up, normal priority) do the
 * inference workers' concurrent marking and sweeping beside the session's thread, which runs at
 * the workers' raised nice value — and take its core. Measured here (bench/pipeline.ts,
 * yolact-synth 1×1 from a raw bag, interleaved runs 2026-11-30): `session.run` inside the replay
 * 82–86 ms without the flag, 70–80 ms with it (bare loop 67–74 ms); main-thread lag p99
 * 5.9–7.7 ms without, 4.9–5.4 ms with. The flag cannot be set from code: flipping V8's GC flags
 * at run time (`v8.setFlagsFromString`) aborted the process in its first GC (Node 20.20).
 */
export const PRODUCT_NODE_FLAGS: readonly string[] = ["--single-threaded-gc"];

/**
 * Makes the calling bench measure the product's configuration: when this process lacks one of
 * PRODUCT_NODE_FLAGS, runs the same script with the same arguments in a child that has them
 * and exits with its status. Call first thing in a bench's module body.
 */
export function runWithProductFlags(): void {
  const missing = PRODUCT_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  const script = process.argv[1];
  if (missing.length === 0 || script === undefined) return;
  const r = spawnSync(process.execPath, [...missing, ...process.execArgv, script, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  if (r.error !== undefined) {
    console.error(`bench: could not re-run ${script} with ${missing.join(" ")}: ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}
