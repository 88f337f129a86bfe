import { createRequire } from "node:module";
import type { WorkerOptions } from "node:worker_threads";

/**
 * Where the inference worker's code is, for `new Worker(url, options)`.
 * - Compiled (`dist/inference/pool.js`): `dist/inference/worker.js`, plain Node.
 * - TypeScript source (vitest, `node --import tsx`): `src/inference/worker.ts`, loaded through a
 *   tiny ESM bootstrap that registers tsx's loader inside the worker first. (Measured on Node
 *   20.20: `execArgv: ["--import", "tsx"]` does not apply tsx's hooks in a worker thread — it
 *   fails with ERR_UNKNOWN_FILE_EXTENSION — so the bootstrap calls `register()` from
 *   `tsx/esm/api` itself.)
 */
export function workerScript(fromUrl: string = import.meta.url): { url: URL; options: WorkerOptions } {
  const isTs = /\.[cm]?ts$/.test(new URL(fromUrl).pathname);
  if (!isTs) return { url: new URL("./worker.js", fromUrl), options: {} };
  const target = new URL("./worker.ts", fromUrl).href;
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
