import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/frames/problem.js";
import { openMcapSource } from "../../../src/sources/mcap.js";
import { bagFolderHint, notMcapHint } from "../../../src/sources/recording-kind.js";

const dir = mkdtempSync(join(tmpdir(), "segstream-recording-kind-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function openError(path: string): Promise<InputError> {
  const e = await openMcapSource(path, { readInWorker: false }).catch((x: unknown) => x);
  if (!(e instanceof InputError)) throw new Error(`expected an InputError, got ${String(e)}`);
  return e;
}

describe("what a non-MCAP recording is", () => {
  it("recognises ROS 1 bags and rosbag2 SQLite files by their first bytes", () => {
    expect(notMcapHint("a.bag", bytes("#ROSBAG V2.0\nop="))).toBe(
      "this is a ROS 1 bag (rosbag v2); convert it with the mcap CLI: mcap convert a.bag out.mcap",
    );
    expect(notMcapHint("b.db3", bytes("SQLite format 3\0rest"))).toContain(
      "rosbag2's SQLite storage (.db3); convert it: mcap convert b.db3 out.mcap",
    );
    expect(notMcapHint("c.bin", bytes("\x89PNG\r\n\x1a\n00000000"))).toBeUndefined();
  });

  it("names the .mcap files of a rosbag2 folder", async () => {
    const bag = join(dir, "rosbag2_run");
    mkdirSync(bag);
    writeFileSync(join(bag, "metadata.yaml"), "rosbag2_bagfile_information: {}\n");
    expect(await bagFolderHint(bag)).toContain("a rosbag2 folder recorded with `-s mcap` has one per split");
    for (const f of ["run_1.mcap", "run_0.mcap"]) writeFileSync(join(bag, f), "");
    expect(await bagFolderHint(bag)).toBe(
      `point mcap: at a file in it: mcap:${join(bag, "run_0.mcap")}, mcap:${join(bag, "run_1.mcap")}`,
    );
  });

  it("puts the hints in the start-up errors of mcap:", async () => {
    const ros1 = join(dir, "old.bag");
    writeFileSync(ros1, "#ROSBAG V2.0\n" + "x".repeat(64));
    const e1 = await openError(ros1);
    expect(e1.message).toContain(`mcap:${ros1}: not a readable MCAP file`);
    expect(e1.hint).toContain("this is a ROS 1 bag");
    const folder = join(dir, "rosbag2_other");
    mkdirSync(folder);
    writeFileSync(join(folder, "other_0.mcap"), "");
    const e2 = await openError(folder);
    expect(e2.message).toContain(`mcap:${folder}: cannot open MCAP file (a directory, not a file)`);
    expect(e2.hint).toBe(`point mcap: at a file in it: mcap:${join(folder, "other_0.mcap")}`);
  });
});
