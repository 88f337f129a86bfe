import { describe, expect, it } from "vitest";
import { cli } from "./cli.js";

describe("segstream eval on the bundled sample", () => {
  it("reports mIoU 1.0 with the GT written as predictions", () => {
    const r = cli(["eval", "--gt", "recordings/sample", "--pred", "recordings/sample", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { frames: number; semantic: { mIoU: number; iIoU: number } };
    expect(out.frames).toBe(30);
    expect(out.semantic.mIoU).toBe(1);
    expect(out.semantic.iIoU).toBe(1);
  });
});
