/**
 * The prediction files beside `<stem>_pred_labelIds.png` (DESIGN §5): `_pred_instanceIds.png`
 * (panoptic) and `_pred_instances.json` (instance AP, tracking). Locates them, checks they all
 * exist before any frame is scored, and parses and validates the JSON.
 */
import { access, readFile } from "node:fs/promises";
import { InputError, errorMessage } from "../frames/problem.js";
import type { RleMask } from "../frames/rle.js";

export interface PredInstance {
  /** Track id; null when the producer had no tracker. */
  readonly trackId: number | null;
  readonly labelId: number;
  readonly score: number;
  readonly mask: RleMask;
}

export interface PredInstancesFile {
  readonly width: number;
  readonly height: number;
  /** The pipeline's output instances (tracked when a tracker ran): tracking metrics. */
  readonly instances: readonly PredInstance[];
  /**
   * The model's ranked detections before the display threshold and tracking, when the
   * producer wrote them: instance AP scores these (else `instances`).
   */
  readonly detections?: readonly PredInstance[];
}

const LIST_MAX = 5;

/** `…labelIds.png` → `…instanceIds.png` (last occurrence). */
export function instanceIdsPath(labelIdsPath: string): string {
  return replaceLast(labelIdsPath, "labelIds.png", "instanceIds.png");
}

/** `…labelIds.png` → `…instances.json` (last occurrence). */
export function instancesJsonPath(labelIdsPath: string): string {
  return replaceLast(labelIdsPath, "labelIds.png", "instances.json");
}

function replaceLast(s: string, from: string, to: string): string {
  const i = s.lastIndexOf(from);
  return i < 0 ? `${s}.${to}` : s.slice(0, i) + to + s.slice(i + from.length);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Throws one InputError naming the missing files (first few) and the task that needs them. */
export async function requireFiles(
  predDir: string,
  paths: readonly string[],
  what: string,
  tasks: string,
): Promise<void> {
  const missing: string[] = [];
  for (const p of paths) if (!(await exists(p))) missing.push(p);
  if (missing.length === 0) return;
  const shown = missing.slice(0, LIST_MAX).join(", ");
  const more = missing.length > LIST_MAX ? `, … (${missing.length} in all)` : "";
  throw new InputError(
    predDir,
    `--pred: ${missing.length} of ${paths.length} ${what} file(s) needed for ${tasks} are missing: ${shown}${more}`,
    `segstream run --pred-dir writes <stem>_pred_instanceIds.png and <stem>_pred_instances.json beside the labelIds`,
  );
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function num(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** Parses one list of `_pred_instances.json` (`instances` or `detections`); `key` names it in errors. */
function parseList(
  raw: unknown,
  key: string,
  width: number,
  height: number,
  bad: (why: string) => InputError,
): PredInstance[] {
  if (!Array.isArray(raw)) throw bad(`${key} must be an array`);
  const out: PredInstance[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `${key}[${i}]`;
    if (!isObj(item)) throw bad(`${at} is not an object`);
    const { trackId, labelId, score, mask } = item;
    if (trackId !== null && trackId !== undefined && !(num(trackId) && Number.isInteger(trackId))) {
      throw bad(`${at}.trackId must be an integer or null`);
    }
    if (!num(labelId) || !Number.isInteger(labelId)) throw bad(`${at}.labelId must be an integer`);
    if (!num(score)) throw bad(`${at}.score must be a number`);
    if (!isObj(mask) || !Array.isArray(mask.size) || !Array.isArray(mask.counts)) {
      throw bad(`${at}.mask must be {size: [h, w], counts: [...]}`);
    }
    const [h, w] = mask.size as unknown[];
    if (h !== height || w !== width) {
      throw bad(`${at}.mask.size is ${JSON.stringify(mask.size)}, expected [${height}, ${width}]`);
    }
    const counts = new Uint32Array(mask.counts.length);
    let total = 0;
    mask.counts.forEach((c: unknown, k) => {
      if (!num(c) || !Number.isInteger(c) || c < 0) throw bad(`${at}.mask.counts[${k}] is not a count`);
      counts[k] = c;
      total += c;
    });
    if (total !== width * height) {
      throw bad(`${at}.mask.counts sum to ${total}, expected ${width * height} (${width}x${height})`);
    }
    out.push({
      trackId: num(trackId) ? trackId : null,
      labelId,
      score,
      mask: { width, height, counts },
    });
  });
  return out;
}

/**
 * Parses `_pred_instances.json`; masks must be width × height RLEs. `detections` (the model's
 * ranked detections, for AP) is optional. Throws InputError naming the file.
 */
export function parseInstancesJson(text: string, path: string): PredInstancesFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, `not valid JSON (${errorMessage(e)})`);
  }
  const bad = (why: string): InputError => new InputError(path, why);
  if (!isObj(doc)) throw bad("expected a JSON object with width, height and instances");
  const { width, height, instances, detections } = doc;
  if (!num(width) || !num(height) || width <= 0 || height <= 0)
    throw bad("width/height must be positive numbers");
  return {
    width,
    height,
    instances: parseList(instances, "instances", width, height, bad),
    ...(detections !== undefined
      ? { detections: parseList(detections, "detections", width, height, bad) }
      : {}),
  };
}

export async function readInstancesJson(path: string): Promise<PredInstancesFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(path, `cannot read (${errorMessage(e)})`);
  }
  return parseInstancesJson(text, path);
}
