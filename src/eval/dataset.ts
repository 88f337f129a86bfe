/**
 * I/O adapter for evaluation: finds Cityscapes GT frames, matches predictions by stem and
 * decodes one frame pair at a time (bounded memory: at most the current and the next pair).
 *
 * GT: `gtFine/<split>/<city>/<stem>_gtFine_labelIds.png` + `_gtFine_instanceIds.png`; `--gt` may be the
 * dataset root, the gtFine folder, a split or a city folder.
 * Predictions: `<city>/<stem>_pred_labelIds.png` (DESIGN §5), or any `<stem>*labelIds*.png` under `--pred`.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { decodeImage, type RawImage } from "../frames/codec.js";
import { InputError, errorMessage } from "../frames/problem.js";
import { isDir, walkFiles } from "../util/walk-files.js";
import {
  instanceIdsPath,
  instancesJsonPath,
  readInstancesJson,
  type PredInstancesFile,
} from "./pred-files.js";

export interface GtFrame {
  /** `<city>_<seq:06>_<frame:06>` */
  readonly stem: string;
  readonly labelIds: string;
  readonly instanceIds: string;
}

export interface FramePair extends GtFrame {
  readonly pred: string;
}

/** One decoded pair, W×H each. */
export interface DecodedPair {
  readonly pair: FramePair;
  readonly width: number;
  readonly height: number;
  readonly gtLabelIds: Uint8Array;
  readonly gtInstanceIds: Uint16Array;
  readonly predLabelIds: Uint8Array;
  /** `_pred_instanceIds.png` values, when requested (panoptic). */
  readonly predInstanceIds?: Uint16Array;
  /** `_pred_instances.json`, when requested (instance AP, tracking). */
  readonly predInstances?: PredInstancesFile;
}

/** Which prediction files beside `_pred_labelIds.png` to read. */
export interface PredExtras {
  readonly instanceIds?: boolean;
  readonly instances?: boolean;
}

const GT_LABEL_RE = /^(.+_\d{6}_\d{6})_gtFine_labelIds\.png$/;
const STEM_RE = /^(.*?_\d{6}_\d{6})(?=[_.])/;
const LIST_MAX = 5;

async function requireDir(option: string, dir: string): Promise<void> {
  let ok = false;
  try {
    ok = (await stat(dir)).isDirectory();
  } catch (e) {
    throw new InputError(dir, `${option}: cannot open directory (${errorMessage(e)})`);
  }
  if (!ok) throw new InputError(dir, `${option}: not a directory`);
}

function listSome(items: readonly string[]): string {
  const shown = items.slice(0, LIST_MAX).join(", ");
  return items.length > LIST_MAX ? `${shown}, … (${items.length} in all)` : shown;
}

/** Finds GT frames (labelIds + instanceIds) under `dir`, sorted by stem. */
export async function findGtFrames(dir: string): Promise<GtFrame[]> {
  await requireDir("--gt", dir);
  const root = (await isDir(join(dir, "gtFine"))) ? join(dir, "gtFine") : dir;
  const files = (await walkFiles(root)).sort();
  const fileSet = new Set(files);
  const byStem = new Map<string, GtFrame>();
  const dupes: string[] = [];
  const noInstances: string[] = [];
  for (const f of files) {
    const m = GT_LABEL_RE.exec(basename(f));
    if (!m) continue;
    const stem = m[1]!;
    const instanceIds = f.slice(0, -"labelIds.png".length) + "instanceIds.png";
    if (!fileSet.has(instanceIds)) noInstances.push(instanceIds);
    const prev = byStem.get(stem);
    if (prev) dupes.push(`${prev.labelIds} and ${f}`);
    else byStem.set(stem, { stem, labelIds: f, instanceIds });
  }
  if (byStem.size === 0) {
    throw new InputError(
      dir,
      `--gt: no ground truth found (searched ${root} for *_gtFine_labelIds.png)`,
      "point --gt at a Cityscapes root, its gtFine folder, a split or a city folder",
    );
  }
  if (dupes.length > 0)
    throw new InputError(dir, `--gt: the same frame stem occurs twice: ${listSome(dupes)}`);
  if (noInstances.length > 0) {
    throw new InputError(
      dir,
      `--gt: ${noInstances.length} frame(s) lack the instanceIds image needed for iIoU: ${listSome(noInstances)}`,
    );
  }
  return [...byStem.values()].sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
}

/** Indexes `<stem>*labelIds*.png` files under `dir` by stem. */
export async function indexPredictions(dir: string): Promise<Map<string, string[]>> {
  await requireDir("--pred", dir);
  const index = new Map<string, string[]>();
  for (const f of (await walkFiles(dir)).sort()) {
    const name = basename(f);
    if (!name.endsWith(".png") || !name.includes("labelIds")) continue;
    const m = STEM_RE.exec(name);
    if (!m) continue;
    const list = index.get(m[1]!) ?? [];
    list.push(f);
    index.set(m[1]!, list);
  }
  return index;
}

/** Picks the prediction for a stem: `<stem>_pred_labelIds.png` first, else the only candidate. */
function pickPrediction(stem: string, candidates: readonly string[], predDir: string): string | undefined {
  if (candidates.length <= 1) return candidates[0];
  const exact = candidates.filter((c) => basename(c) === `${stem}_pred_labelIds.png`);
  if (exact.length === 1) return exact[0];
  throw new InputError(predDir, `--pred: several predictions for ${stem}: ${listSome(candidates)}`);
}

/** Finds GT frames and their predictions; every GT frame must have one. */
export async function matchFrames(gtDir: string, predDir: string): Promise<FramePair[]> {
  const gt = await findGtFrames(gtDir);
  const index = await indexPredictions(predDir);
  const pairs: FramePair[] = [];
  const missing: string[] = [];
  for (const g of gt) {
    const pred = pickPrediction(g.stem, index.get(g.stem) ?? [], predDir);
    if (pred === undefined) missing.push(g.stem);
    else pairs.push({ ...g, pred });
  }
  if (missing.length > 0) {
    throw new InputError(
      predDir,
      `--pred: no prediction for ${missing.length} of ${gt.length} GT frame(s): ${listSome(missing)}`,
      "expected <city>/<stem>_pred_labelIds.png (or <stem>*labelIds*.png) with Cityscapes label ids",
    );
  }
  return pairs;
}

async function load(path: string): Promise<RawImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read (${errorMessage(e)})`);
  }
  try {
    return await decodeImage(bytes, path);
  } catch (e) {
    throw new InputError(path, errorMessage(e).replace(`${path}: `, ""));
  }
}

/** Label ids, one byte per pixel; a 16-bit image is accepted when every value fits in 0..255. */
function labelBytes(img: RawImage, path: string): Uint8Array {
  if (img.encoding === "mono8") return img.data;
  if (img.encoding === "mono16") {
    const n = img.width * img.height;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = img.data[2 * i]! | (img.data[2 * i + 1]! << 8);
      if (v > 255) throw new InputError(path, `label id ${v} at pixel ${i} is out of range 0..255`);
      out[i] = v;
    }
    return out;
  }
  throw new InputError(
    path,
    `is a ${img.encoding} image; expected a single-channel PNG of Cityscapes label ids`,
  );
}

/** instanceIds values (little-endian 16-bit, or 8-bit widened). */
function instanceValues(img: RawImage, path: string): Uint16Array {
  const n = img.width * img.height;
  const out = new Uint16Array(n);
  if (img.encoding === "mono16") {
    for (let i = 0; i < n; i++) out[i] = img.data[2 * i]! | (img.data[2 * i + 1]! << 8);
  } else if (img.encoding === "mono8") {
    out.set(img.data);
  } else {
    throw new InputError(
      path,
      `is a ${img.encoding} image; expected a single-channel 16-bit instanceIds PNG`,
    );
  }
  return out;
}

/** Reads and checks one pair (and the requested extra prediction files). */
export async function readPair(pair: FramePair, extras: PredExtras = {}): Promise<DecodedPair> {
  const instPath = instanceIdsPath(pair.pred);
  const jsonPath = instancesJsonPath(pair.pred);
  const [gt, inst, pred, predInst, predJson] = await Promise.all([
    load(pair.labelIds),
    load(pair.instanceIds),
    load(pair.pred),
    extras.instanceIds ? load(instPath) : undefined,
    extras.instances ? readInstancesJson(jsonPath) : undefined,
  ]);
  const size = (i: { width: number; height: number }): string => `${i.width}x${i.height}`;
  if (pred.width !== gt.width || pred.height !== gt.height) {
    throw new InputError(
      pair.pred,
      `prediction is ${size(pred)} but its ground truth ${pair.labelIds} is ${size(gt)}`,
      "predictions must have the ground-truth resolution",
    );
  }
  if (inst.width !== gt.width || inst.height !== gt.height) {
    throw new InputError(pair.instanceIds, `is ${size(inst)} but ${pair.labelIds} is ${size(gt)}`);
  }
  for (const [path, img] of [
    [instPath, predInst],
    [jsonPath, predJson],
  ] as const) {
    if (img !== undefined && (img.width !== gt.width || img.height !== gt.height)) {
      throw new InputError(path, `is ${size(img)} but its ground truth ${pair.labelIds} is ${size(gt)}`);
    }
  }
  return {
    pair,
    width: gt.width,
    height: gt.height,
    gtLabelIds: labelBytes(gt, pair.labelIds),
    gtInstanceIds: instanceValues(inst, pair.instanceIds),
    predLabelIds: labelBytes(pred, pair.pred),
    ...(predInst ? { predInstanceIds: instanceValues(predInst, instPath) } : {}),
    ...(predJson ? { predInstances: predJson } : {}),
  };
}

/** Yields decoded pairs in order, reading the next pair while the caller works on the current one. */
export async function* readPairs(
  pairs: readonly FramePair[],
  extras: PredExtras = {},
): AsyncGenerator<DecodedPair> {
  let next: Promise<DecodedPair> | undefined = pairs[0] ? readPair(pairs[0], extras) : undefined;
  for (let i = 0; next !== undefined; i++) {
    const current = next;
    const following = pairs[i + 1];
    next = following ? readPair(following, extras) : undefined;
    // Keep an early failure of the prefetch from becoming an unhandled rejection.
    next?.catch(() => undefined);
    yield await current;
  }
}
