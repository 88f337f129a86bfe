import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The worker script resolves both ways: from TypeScript source (every other test runs that way,
 * under vitest) and from compiled JavaScript, where `worker.js` is spawned by plain Node with no
 * tsx. This test compiles the inference folder with tsc and runs it with bare `node`.
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const OUT = join(ROOT, "tmp", `inference-dist-${process.pid}`);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("compiled worker (dist layout)", () => {
  it("runs the engine from .js with plain node", () => {
    mkdirSync(OUT, { recursive: true });
    const tsconfig = join(OUT, "tsconfig.json");
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(ROOT, "tsconfig.json"),
        compilerOptions: {
          outDir: OUT,
          rootDir: ROOT,
          noEmit: false,
          declaration: false,
          sourceMap: false,
          noEmitOnError: false,
        },
        files: [join(ROOT, "src/inference/index.ts"), join(ROOT, "src/inference/worker.ts")],
        include: [],
      }),
    );
    try {
      execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", tsconfig], { cwd: ROOT, stdio: "pipe" });
    } catch {
      // Type errors elsewhere in the tree must not block this test; emit still happens.
    }
    expect(existsSync(join(OUT, "src/inference/worker.js"))).toBe(true);
    const script = join(OUT, "run.mjs");
    writeFileSync(
      script,
      `import { InferenceEngine, resolveModel } from "./src/inference/index.js";
const model = resolveModel(${JSON.stringify(join(ROOT, "test/fixtures/models/engine_seg_tiny.onnx"))}, "models");
const e = await InferenceEngine.create({ model, providers: ["cpu"], intraOpThreads: 1 });
const data = new Uint8Array(64 * 32 * 3).fill(100);
const r = await e.infer({ id: 4, stampNs: 4n, sourceId: "dist", width: 64, height: 32, encoding: "rgb8", data, meta: {} });
await e.dispose();
console.log(JSON.stringify({ provider: e.selectedProvider, frameId: r.frameId, n: r.semantic.classIds.length }));
`,
    );
    const out = execFileSync(process.execPath, [script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ provider: "cpu", frameId: 4, n: 64 * 32 });
  });
});
