/** Frame discovery and matching on real Cityscapes-style trees; GT-as-prediction scores 1. */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluate, findGtFrames, matchFrames, parseTasks } from "../../../src/eval/index.js";
import { encodePng } from "../../../src/frames/codec.js";
import { InputError } from "../../../src/frames/problem.js";
import { labelsOf, tempDir, writeGt, writeMono8, writePred } from "./fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function newDir(prefix: string): Promise<string> {
  const d = await tempDir(prefix);
  dirs.push(d);
  return d;
}

// Three frames in two cities of two splits; every evaluated class is present in at least one frame.
const FRAMES: Record<string, { split: string; inst: number[][] }> = {
  aachen_000000_000019: {
    split: "val",
    inst: [
      [7, 7, 8, 8, 11, 12],
      [13, 17, 19, 20, 21, 22],
      [23, 24000, 24001, 25000, 0, 26000],
      [26000, 26001, 27000, 28000, 31000, 32000],
    ],
  },
  aachen_000001_000019: {
    split: "val",
    inst: [
      [33000, 33001, 7, 7, 9, 29000],
      [26, 24, 0, 1, 23, 23],
      [21, 21, 26000, 26000, 26000, 11],
      [7, 7, 7, 8, 8, 8],
    ],
  },
  bremen_000002_000005: {
    split: "train",
    inst: [
      [7, 7, 7, 7, 7, 7],
      [24000, 24000, 25000, 25000, 26002, 26002],
      [0, 0, 0, 0, 0, 0],
      [11, 11, 11, 23, 23, 23],
    ],
  },
};

async function writeTree(root: string): Promise<void> {
  for (const [stem, f] of Object.entries(FRAMES)) await writeGt(root, f.split, stem, f.inst);
}

describe("GT written as predictions", () => {
  it("scores mIoU = iIoU = 1 over a multi-frame tree (DESIGN §5 pred layout)", async () => {
    const root = await newDir("tree");
    await writeTree(root);
    const pred = join(root, "pred");
    for (const [stem, f] of Object.entries(FRAMES)) await writePred(pred, stem, labelsOf(f.inst));
    const r = await evaluate({ gt: root, pred, tasks: ["semantic"] });
    expect(r.frames).toBe(3);
    const s = r.semantic!;
    expect(s.mIoU).toBe(1);
    expect(s.iIoU).toBe(1);
    expect(s.categoryIoU).toBe(1);
    expect(s.categoryIIoU).toBe(1);
    for (const c of Object.values(s.classes)) expect(c.iou).toBe(1); // all 19 present
    expect(s.pixels).toBe(3 * 24);
  });

  it("accepts the GT tree itself as --pred (<stem>*labelIds*.png fallback)", async () => {
    const root = await newDir("self");
    await writeTree(root);
    const r = await evaluate({ gt: join(root, "gtFine"), pred: root, tasks: ["semantic"] });
    expect(r.frames).toBe(3);
    expect(r.semantic!.mIoU).toBe(1);
  });
});

describe("findGtFrames / matchFrames", () => {
  it("accepts the root, gtFine, a split or a city folder", async () => {
    const root = await newDir("find");
    await writeTree(root);
    const stems = async (d: string): Promise<string[]> => (await findGtFrames(d)).map((f) => f.stem);
    const all = ["aachen_000000_000019", "aachen_000001_000019", "bremen_000002_000005"];
    expect(await stems(root)).toEqual(all);
    expect(await stems(join(root, "gtFine"))).toEqual(all);
    expect(await stems(join(root, "gtFine", "val"))).toEqual(all.slice(0, 2));
    expect(await stems(join(root, "gtFine", "train", "bremen"))).toEqual(all.slice(2));
  });

  it("names the directory when no GT is found or it does not exist", async () => {
    const empty = await newDir("empty");
    await expect(findGtFrames(empty)).rejects.toThrow(InputError);
    await expect(findGtFrames(empty)).rejects.toThrow(new RegExp(`${empty}.*no ground truth found`));
    await expect(findGtFrames(join(empty, "nope"))).rejects.toThrow(/nope.*cannot open directory/);
  });

  it("finds predictions anywhere under --pred by stem, preferring _pred_labelIds", async () => {
    const root = await newDir("match");
    await writeTree(root);
    const pred = join(root, "results");
    const [a, b, c] = Object.entries(FRAMES).map(([stem, f]) => ({ stem, rows: labelsOf(f.inst) }));
    await writePred(pred, a!.stem, a!.rows);
    // a second, non-preferred candidate for the same stem
    await writeMono8(join(pred, "other", `${a!.stem}_leftImg8bit_labelIds.png`), a!.rows);
    await writeMono8(join(pred, "deep", "x", `${b!.stem}_leftImg8bit_labelIds.png`), b!.rows);
    await writeMono8(join(pred, `${c!.stem}_labelIds.png`), c!.rows);
    // files that must not be taken for label-id predictions
    await writeMono8(join(pred, `${c!.stem}_pred_color.png`), c!.rows);
    const pairs = await matchFrames(root, pred);
    expect(pairs.map((p) => p.pred.slice(pred.length + 1))).toEqual([
      `aachen/${a!.stem}_pred_labelIds.png`,
      `deep/x/${b!.stem}_leftImg8bit_labelIds.png`,
      `${c!.stem}_labelIds.png`,
    ]);
  });

  it("reports missing predictions with their stems and count", async () => {
    const root = await newDir("missing");
    await writeTree(root);
    const pred = join(root, "pred");
    await mkdir(pred);
    const e = await matchFrames(root, pred).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as Error).message;
    expect(msg).toContain("no prediction for 3 of 3 GT frame(s)");
    expect(msg).toContain("aachen_000000_000019");
    expect(msg).toContain("bremen_000002_000005");
  });

  it("rejects ambiguous predictions and size mismatches, naming the files", async () => {
    const root = await newDir("bad");
    const stem = "ulm_000000_000019";
    await writeGt(root, "val", stem, [
      [7, 7],
      [8, 8],
    ]);
    const pred = join(root, "pred");
    await writeMono8(join(pred, `${stem}_a_labelIds.png`), [[7, 7]]);
    await writeMono8(join(pred, `${stem}_b_labelIds.png`), [[7, 7]]);
    await expect(matchFrames(root, pred)).rejects.toThrow(/several predictions for ulm_000000_000019/);
    await rm(join(pred, `${stem}_b_labelIds.png`));
    // 2×1 prediction against 2×2 GT
    await expect(evaluate({ gt: root, pred, tasks: ["semantic"] })).rejects.toThrow(
      /ulm_000000_000019_a_labelIds\.png: prediction is 2x1 but its ground truth .*ulm_000000_000019_gtFine_labelIds\.png is 2x2/,
    );
  });

  it("requires the instanceIds image beside each labelIds image", async () => {
    const root = await newDir("noinst");
    const dir = join(root, "gtFine", "val", "ulm");
    await writeMono8(join(dir, "ulm_000000_000019_gtFine_labelIds.png"), [[7]]);
    await expect(findGtFrames(root)).rejects.toThrow(
      /lack the instanceIds image.*ulm_000000_000019_gtFine_instanceIds\.png/,
    );
  });

  it("rejects an RGB prediction as not a label-id image", async () => {
    const root = await newDir("rgb");
    await writeTree(root);
    const pred = join(root, "pred");
    for (const [stem, f] of Object.entries(FRAMES)) await writePred(pred, stem, labelsOf(f.inst));
    // overwrite one prediction with a colour PNG
    await writeFile(
      join(pred, "aachen", "aachen_000000_000019_pred_labelIds.png"),
      await encodePng({ width: 6, height: 4, encoding: "rgb8", data: new Uint8Array(6 * 4 * 3).fill(90) }),
    );
    await expect(evaluate({ gt: root, pred, tasks: ["semantic"] })).rejects.toThrow(
      /aachen_000000_000019_pred_labelIds\.png: is a rgb8 image; expected a single-channel PNG/,
    );
  });
});

describe("parseTasks", () => {
  it("accepts the four tasks (deduplicated, in order) and rejects unknown ones", () => {
    expect(parseTasks("semantic")).toEqual(["semantic"]);
    expect(parseTasks(" semantic, semantic ")).toEqual(["semantic"]);
    expect(parseTasks("tracking,semantic,panoptic,instance")).toEqual([
      "tracking",
      "semantic",
      "panoptic",
      "instance",
    ]);
    expect(() => parseTasks("")).toThrow(InputError);
    expect(() => parseTasks("depth")).toThrow(
      /unknown task "depth"; known tasks: semantic, panoptic, instance, tracking/,
    );
    expect(() => parseTasks("semantic,trackng")).toThrow(
      /unknown task "trackng" \(did you mean "tracking"\?\); known tasks:/,
    );
  });
});
