import { mkdtemp, mkdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodePng } from "../../../src/frames/codec.js";
import type { Frame } from "../../../src/frames/frame.js";
import { InputError, isProblem, type Problem } from "../../../src/frames/problem.js";
import { openImagesSource } from "../../../src/sources/images.js";

async function png(value: number): Promise<Uint8Array> {
  return encodePng({ width: 4, height: 2, encoding: "rgb8", data: new Uint8Array(24).fill(value) });
}

async function collect(
  path: string,
  fps?: number,
  readInWorker?: boolean,
  decodeOnThisThread?: boolean,
): Promise<(Frame | Problem)[]> {
  const src = await openImagesSource(path, {
    ...(fps !== undefined ? { fps } : {}),
    ...(readInWorker !== undefined ? { readInWorker } : {}),
    ...(decodeOnThisThread !== undefined ? { decodeOnThisThread } : {}),
  });
  const out: (Frame | Problem)[] = [];
  for await (const e of src.events()) out.push(e);
  await src.close();
  return out;
}

describe("images source", () => {
  it("replays a plain folder in natural order with stamps from fps", async () => {
    const dir = await mkdtemp(join(tmpdir(), "seg-img-"));
    for (const [name, v] of [
      ["f10.png", 10],
      ["f2.png", 2],
      ["f1.png", 1],
    ] as const) {
      await writeFile(join(dir, name), await png(v));
    }
    const events = await collect(dir, 10);
    const frames = events.filter((e): e is Frame => !isProblem(e));
    expect(frames.map((f) => f.data[0])).toEqual([1, 2, 10]);
    expect(frames.map((f) => f.stampNs)).toEqual([0n, 100_000_000n, 200_000_000n]);
    expect(frames.map((f) => f.meta.stem)).toEqual(["f1", "f2", "f10"]);
    expect(frames[0]!.encoding).toBe("rgb8");
  });

  it("turns a corrupt file mid-sequence into a problem and goes on", async () => {
    const dir = await mkdtemp(join(tmpdir(), "seg-img-"));
    await writeFile(join(dir, "a1.png"), await png(1));
    await writeFile(join(dir, "a2.png"), Buffer.from("this is not a png"));
    await writeFile(join(dir, "a3.png"), await png(3));
    const events = await collect(dir);
    expect(events).toHaveLength(3);
    const p = events[1] as Problem;
    expect(isProblem(p)).toBe(true);
    expect(p.code).toBe("decode-failed");
    expect(p.input).toBe(join(dir, "a2.png"));
    expect((events[2] as Frame).data[0]).toBe(3);
  });

  it("reports a PNG damaged inside its image data (chunk CRC) with the chunk, decoded on the reading thread", async () => {
    const dir = await mkdtemp(join(tmpdir(), "seg-img-"));
    const good = await png(2);
    const bad = good.slice();
    bad[bad.length - 12 - 6]! ^= 0x10; // inside the last IDAT's data (IEND is the last 12 bytes)
    await writeFile(join(dir, "b1.png"), good);
    await writeFile(join(dir, "b2.png"), bad);
    await writeFile(join(dir, "b3.png"), await png(3));
    for (const readInWorker of [false, true]) {
      // In this thread as the reader thread runs it (PNGs decoded here), and the reader thread.
      const events = await collect(dir, undefined, readInWorker, readInWorker ? undefined : true);
      expect(events).toHaveLength(3);
      const p = events[1] as Problem;
      expect([p.code, p.input]).toEqual(["decode-failed", join(dir, "b2.png")]);
      expect(p.reason).toMatch(
        /damaged PNG \(CRC of the IDAT chunk at byte \d+: stored 0x[0-9a-f]{8}, computed/,
      );
      expect([(events[0] as Frame).data[0], (events[2] as Frame).data[0]]).toEqual([2, 3]);
    }
  });

  it("follows symbolic links to files and folders, each real folder once", async () => {
    const store = await mkdtemp(join(tmpdir(), "seg-img-store-"));
    await mkdir(join(store, "seq"));
    await writeFile(join(store, "s1.png"), await png(1));
    await writeFile(join(store, "seq", "s2.png"), await png(2));
    const dir = await mkdtemp(join(tmpdir(), "seg-img-links-"));
    await symlink(join(store, "s1.png"), join(dir, "s1.png"));
    await symlink(join(store, "seq"), join(dir, "seq"));
    await symlink(dir, join(dir, "seq", "loop")); // a cycle: must not be walked twice
    await symlink(join(store, "gone.png"), join(dir, "s3.png")); // dangling: that frame's problem
    const events = await collect(dir);
    const frames = events.filter((e): e is Frame => !isProblem(e));
    expect(frames.map((f) => f.data[0])).toEqual([1, 2]);
    const problems = events.filter(isProblem);
    expect(problems.map((p) => [p.code, p.input])).toEqual([["read-failed", join(dir, "s3.png")]]);
    expect(problems[0]!.reason).toMatch(/ENOENT/);
  });

  it("reads the same events in a worker thread (the default) as in this thread", async () => {
    const dir = await mkdtemp(join(tmpdir(), "seg-img-"));
    await writeFile(join(dir, "b1.png"), await png(1));
    await writeFile(join(dir, "b2.png"), Buffer.from("this is not a png"));
    await writeFile(join(dir, "b3.png"), await png(3));
    const hex = (e: Frame | Problem) =>
      isProblem(e) ? e : { ...e, data: Buffer.from(e.data).toString("hex") };
    const inWorker = await collect(dir, 5);
    const here = await collect(dir, 5, false);
    expect(inWorker.map(hex)).toEqual(here.map(hex));
    expect(inWorker.filter((e) => !isProblem(e))).toHaveLength(2);
  });

  it("reads a Cityscapes sequence with per-sequence timestamps", async () => {
    const root = await mkdtemp(join(tmpdir(), "seg-cs-"));
    const imgDir = join(root, "leftImg8bit_sequence", "val", "town");
    const tsDir = join(root, "timestamp_sequence", "val", "town");
    const gtDir = join(root, "gtFine", "val", "town");
    await mkdir(imgDir, { recursive: true });
    await mkdir(tsDir, { recursive: true });
    await mkdir(gtDir, { recursive: true });
    for (let f = 0; f < 3; f++) {
      const stem = `town_000001_${String(f).padStart(6, "0")}`;
      await writeFile(join(imgDir, `${stem}_leftImg8bit.png`), await png(f));
      await writeFile(join(gtDir, `${stem}_gtFine_labelIds.png`), await png(99));
    }
    await writeFile(
      join(tsDir, "town_000001_timestamps.txt"),
      "# frame stampNs\n000000 0\n000001 58000000\n000002 117000000\n",
    );
    const frames = (await collect(root)) as Frame[];
    expect(frames.map((f) => f.meta.stem)).toEqual([
      "town_000001_000000",
      "town_000001_000001",
      "town_000001_000002",
    ]);
    expect(frames.map((f) => f.stampNs)).toEqual([0n, 58_000_000n, 117_000_000n]);
    expect(frames.every((f) => f.meta.sequence === "town_000001")).toBe(true);
    expect(frames.some((f) => f.data[0] === 99)).toBe(false); // GT images are not replayed
  });

  it("names a missing path in an InputError", async () => {
    await expect(openImagesSource("/nonexistent/dir")).rejects.toThrow(InputError);
    await expect(openImagesSource("/nonexistent/dir")).rejects.toThrow(
      /images:\/nonexistent\/dir: cannot open/,
    );
  });
});
