import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./cli.js";

/** What `npm start` runs: the bundled recording through the bundled model(s), then eval. */
describe("the embedded default (configs/demo.yaml)", () => {
  it("replays the sample through the bundled models with tracking, and eval scores it", async () => {
    const pred = await mkdtemp(join(tmpdir(), "seg-demo-"));
    const r = cli(["run", "--config", "configs/demo.yaml", "--pred-dir", pred, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { frames: number; drops: number; problems: number };
    expect(s).toMatchObject({ frames: 30, drops: 0, problems: 0 });
    expect((await readdir(join(pred, "synth"))).filter((f) => f.endsWith("_pred_labelIds.png"))).toHaveLength(
      30,
    );
    const e = cli(["eval", "--gt", "recordings/sample", "--pred", pred, "--json"]);
    expect(e.code, e.stderr).toBe(0);
    const out = JSON.parse(e.stdout) as { semantic: { classes: Record<string, { iou: number | null }> } };
    // A learned model, not a colour lookup: the large classes are segmented well on held-out data.
    expect(out.semantic.classes["road"]!.iou).toBeGreaterThan(0.9);
    expect(out.semantic.classes["car"]!.iou).toBeGreaterThan(0.7);
  });
});
