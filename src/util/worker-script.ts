import { createRequire } from "node:module";
import type { WorkerOptions } from "node:worker_threads";

/**
 * Where a worker thread's code is, for `new Worker(url, options)`: the module `name` beside
 * `fromUrl` (the caller's `import.meta.url`).
 * - Compiled (e.g. `dist/inference/pool.js`): `dist/inference/<name>.js`, plain Node.
 * - TypeScript source (vitest, `node --import tsx`): `src/inference/<name>.ts`, loaded through a
 *   tiny ESM bootstrap that registers tsx's loader inside the worker first. (Measured on Node
 *   20.20: `execArgv: ["--import", "tsx"]` does not apply tsx's hooks in a worker thread — it
 *   fails with ERR_UNKNOWN_FILE_EXTENSION — so the bootstrap calls `register()` from
 *   `tsx/esm/api` itself.)
 */
export function workerScript(name: string, fromUrl: string): { url: URL; options: WorkerOptions } {
  const isTs = /\.[cm]?ts$/.test(new URL(fromUrl).pathname);
  if (!isTs) return { url: new URL(`./${name}.js`, fromUrl), options: {} };
  const target = new URL(`./${name}.ts`, fromUrl).href;
  const api = resolveTsxApi(fromUrl);
  const boot =
    `import { register } from ${JSON.stringify(api)};\n` +
    `register();\n` +
    `await import(${JSON.stringify(target)});\n`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(boot)}`), options: {} };
}

function resolveTsxApi(fromUrl: string): string {
  const meta = import.meta as ImportMeta & { resolve?: (s: string) => string };
  if (typeof meta.resolve === "function") {
    try {
      return meta.resolve("tsx/esm/api");
    } catch {
      // fall through to require resolution
    }
  }
  const cjs = createRequire(fromUrl).resolve("tsx/esm/api");
  return new URL(`file://${cjs.replace(/\.cjs$/, ".mjs")}`).href;
}
