import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDir } from "../../../src/util/ensure-dir.js";

const root = mkdtempSync(join(tmpdir(), "segstream-ensure-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ensureDir", () => {
  it("creates missing levels and accepts an existing directory", async () => {
    const deep = join(root, "a", "b", "c");
    await ensureDir(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await ensureDir(deep);
    await ensureDir(join(root, "a"));
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it("rejects with ENOTDIR when a level is a file", async () => {
    const file = join(root, "plain.txt");
    writeFileSync(file, "x");
    await expect(ensureDir(join(file, "sub"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(ensureDir(file)).rejects.toMatchObject({ code: "ENOTDIR" });
  });

  // Node 20's mkdir(…, { recursive: true }) spins forever on this path (the kernel answers
  // ENOENT for a new directory under /proc); ensureDir must reject instead.
  it("rejects under /proc instead of hanging", async () => {
    expect(existsSync("/proc/self"), "this test needs Linux's /proc").toBe(true);
    await expect(ensureDir("/proc/segstream-no-such/dir")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
