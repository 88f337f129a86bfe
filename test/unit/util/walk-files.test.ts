import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { walkFiles } from "../../../src/util/walk-files.js";

describe("walkFiles", () => {
  it("lists files through links to files and folders, each real folder once, dangling links included", async () => {
    const store = await mkdtemp(join(tmpdir(), "seg-walk-store-"));
    await mkdir(join(store, "seq"));
    await writeFile(join(store, "a.txt"), "a");
    await writeFile(join(store, "seq", "b.txt"), "b");
    const root = await mkdtemp(join(tmpdir(), "seg-walk-"));
    await writeFile(join(root, "c.txt"), "c");
    await writeFile(join(root, "d.bin"), "d");
    await symlink(join(store, "a.txt"), join(root, "a.txt"));
    await symlink(join(store, "seq"), join(root, "seq"));
    await symlink(join(store, "seq"), join(root, "seq-again")); // same real folder: walked once
    await symlink(root, join(store, "seq", "loop")); // a cycle back to the root
    await symlink(join(store, "gone.txt"), join(root, "gone.txt"));
    const files = (await walkFiles(root, (rel) => rel.endsWith(".txt"))).sort();
    expect(files).toEqual(["a.txt", "c.txt", "gone.txt", join("seq", "b.txt")].map((f) => join(root, f)));
  });

  it("passes paths relative to the root to the filter", async () => {
    const root = await mkdtemp(join(tmpdir(), "seg-walk-"));
    await mkdir(join(root, "gtFine"));
    await writeFile(join(root, "gtFine", "x.png"), "");
    await writeFile(join(root, "y.png"), "");
    const seen: string[] = [];
    const files = await walkFiles(root, (rel) => (seen.push(rel), !rel.startsWith("gtFine")));
    expect(files).toEqual([join(root, "y.png")]);
    expect(seen.sort()).toEqual([join("gtFine", "x.png"), "y.png"]);
  });
});
