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
});
