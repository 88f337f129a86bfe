/** `segstream eval` end to end through the real CLI entry (tsx, no build needed). */
import { spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelsOf, tempDir, writeGt, writePred } from "./fixtures.js";

const REPO = resolve(import.meta.dirname, "../../..");
const MAIN = join(REPO, "src/cli/main.ts");

function segstream(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, SEGSTREAM_LOG_LEVEL: "warn" },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// road / sidewalk / a car instance; the prediction misses half of the car.
const GT = [
  [7, 7, 26000, 26000],
  [8, 8, 26000, 26000],
];
const PRED = [
  [7, 7, 26, 26],
  [8, 8, 7, 7],
];

let root = "";
beforeAll(async () => {
  root = await tempDir("cli");
  await writeGt(root, "val", "lindau_000000_000019", GT);
  await writeGt(root, "val", "lindau_000001_000019", GT);
  await writePred(join(root, "pred"), "lindau_000000_000019", PRED);
  await writePred(join(root, "pred"), "lindau_000001_000019", labelsOf(GT));
  await writePred(join(root, "partial"), "lindau_000000_000019", PRED);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("segstream eval (CLI)", () => {
  it("--json prints exactly one JSON object with NaN as null, exit 0", () => {
    const r = segstream("eval", "--gt", root, "--pred", join(root, "pred"), "--json");
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      frames: number;
      semantic: { mIoU: number; classes: Record<string, { iou: number | null }> };
    };
    expect(out.frames).toBe(2);
    // over both frames: road GT 4, TP 4, FP 2 → 4/6; sidewalk 4/4 = 1; car GT 8, TP 6, FN 2 → 6/8
    expect(out.semantic.classes.road!.iou).toBeCloseTo(4 / 6, 12);
    expect(out.semantic.classes.sidewalk!.iou).toBe(1);
    expect(out.semantic.classes.car!.iou).toBeCloseTo(6 / 8, 12);
    expect(out.semantic.classes.sky!.iou).toBeNull();
    expect(out.semantic.mIoU).toBeCloseTo((4 / 6 + 1 + 6 / 8) / 3, 12);
  });

  it("prints the reference-style table without --json", () => {
    const r = segstream("eval", "--gt", root, "--pred", join(root, "pred"));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/classes\s+IoU\s+nIoU/);
    expect(r.stdout).toMatch(/^road {10}: 0\.667 {6}nan$/m);
    expect(r.stdout).toMatch(/^Score Average : 0\.806/m);
    expect(r.stdout).toMatch(/^vehicle\s+: 0\.750/m);
  });

  it("exits 2 naming the stem when a prediction is missing", () => {
    const r = segstream("eval", "--gt", root, "--pred", join(root, "partial"), "--json");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no prediction for 1 of 2 GT frame(s): lindau_000001_000019");
    expect(r.stdout).toBe("");
  });

  it("exits 2 naming the missing _pred_instanceIds.png for the panoptic task", () => {
    const r = segstream("eval", "--gt", root, "--pred", join(root, "pred"), "--tasks", "semantic,panoptic");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("2 of 2 _pred_instanceIds.png file(s) needed for panoptic are missing");
    expect(r.stderr).toContain("lindau_000000_000019_pred_instanceIds.png");
    expect(r.stdout).toBe("");
  });

  it("exits 2 for an unknown task", () => {
    const r = segstream("eval", "--gt", root, "--pred", join(root, "pred"), "--tasks", "depth");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown task "depth"');
  });
});
