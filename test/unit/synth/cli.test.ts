import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../../e2e/cli.js";

describe("segstream synth options", () => {
  it.each([
    [["--out", "x", "--size", "10x10"], "--size"],
    [["--out", "x", "--frames", "0"], "--frames"],
    [["--out", "x", "--fps", "-3"], "--fps"],
    [["--out", "x", "--seed", "abc"], "--seed"],
    [["--frames", "3"], "--out"],
  ])("%j exits 2 naming %s", (args, option) => {
    const r = cli(["synth", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(option);
  });

  it("exits 2 naming an --out it cannot write", () => {
    const file = join(mkdtempSync(join(tmpdir(), "seg-synth-out-")), "a-file");
    writeFileSync(file, "x");
    const r = cli(["synth", "--out", join(file, "data"), "--frames", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${join(file, "data")}: cannot write the dataset there (ENOTDIR`);
  });
});
