import { rm } from "node:fs/promises";
import { join } from "node:path";
import { encodePng } from "../frames/codec.js";
import { errorMessage, InputError } from "../frames/problem.js";
import { paintInstanceIds, type Instances, type SegmentationResult } from "../inference/result.js";
import { codeOf, ensureDir } from "../util/ensure-dir.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { Output, Sink } from "./sink.js";

/**
 * Cityscapes-format prediction files (DESIGN.md §5), one set per frame, written atomically:
 * - `<city>/<stem>_pred_labelIds.png`: 8-bit Cityscapes label ids;
 * - `<city>/<stem>_pred_instanceIds.png`: 16-bit, labelId·1000 + trackId for thing instances
 *   (trackId mod 1000 so the Cityscapes decoding stays unambiguous; the JSON has the exact id),
 *   labelId for stuff and for thing pixels no instance claims;
 * - `<city>/<stem>_pred_instances.json`: `instances` — the pipeline's output instances (tracked:
 *   disjoint masks), per instance trackId, labelId, score, box [x1,y1,x2,y2] and the mask as
 *   row-major RLE `{size: [h, w], counts}` (alternating runs, zeros first), for tracking
 *   metrics; and, when the result carries them, `detections` — the model's ranked detections
 *   before the display threshold and tracking (same fields without trackId, masks may overlap),
 *   which instance AP scores.
 * Frames without a Cityscapes stem are named `<sourceId>_000000_<frameId:06>`.
 */

export function predictionStem(out: Output): { city: string; stem: string } {
  const stem = out.frame.meta.stem;
  if (stem !== undefined && /^.+_\d{6}_\d{6}$/.test(stem)) {
    return { city: stem.replace(/_\d{6}_\d{6}$/, ""), stem };
  }
  const safe = out.result.sourceId.replace(/[^A-Za-z0-9-]/g, "-") || "source";
  return { city: safe, stem: `${safe}_000000_${String(out.result.frameId).padStart(6, "0")}` };
}

/** Label ids per pixel: the semantic map, with instance masks painted over it. */
export function labelIdImage(r: SegmentationResult): Uint8Array {
  const size = r.width * r.height;
  const out = r.semantic ? r.semantic.classIds.slice() : new Uint8Array(size);
  const inst = r.instances;
  if (inst && inst.count > 0) {
    const painted = paintInstanceIds(inst, r.width, r.height, (i) => inst.classIds[i]! + 1);
    for (let p = 0; p < size; p++) {
      const v = painted[p]!;
      if (v !== 0) out[p] = v - 1;
    }
  }
  return out;
}

/** The Cityscapes instanceIds image: stuff label ids, things as labelId·1000 + (trackId mod 1000). */
export function instanceIdImage(r: SegmentationResult, labelIds: Uint8Array): Uint16Array {
  const out = Uint16Array.from(labelIds);
  const inst = r.instances;
  if (inst && inst.count > 0) {
    paintInstanceIds(
      inst,
      r.width,
      r.height,
      (i) => inst.classIds[i]! * 1000 + ((inst.trackIds?.[i] ?? i + 1) % 1000),
      out,
    );
  }
  return out;
}

function instanceList(inst: Instances | undefined, withTrackIds: boolean): unknown[] {
  const list = [];
  for (let i = 0; i < (inst?.count ?? 0); i++) {
    const m = inst!.masks[i]!;
    list.push({
      ...(withTrackIds ? { trackId: inst!.trackIds?.[i] ?? null } : {}),
      labelId: inst!.classIds[i],
      score: Math.round(inst!.scores[i]! * 1e4) / 1e4,
      box: Array.from(inst!.boxes.subarray(i * 4, i * 4 + 4), (v) => Math.round(v * 100) / 100),
      mask: { size: [m.height, m.width], counts: Array.from(m.counts) },
    });
  }
  return list;
}

export function instancesJson(r: SegmentationResult): unknown {
  return {
    frameId: r.frameId,
    sourceId: r.sourceId,
    stampNs: r.stampNs.toString(),
    width: r.width,
    height: r.height,
    instances: instanceList(r.instances, true),
    ...(r.detections !== undefined ? { detections: instanceList(r.detections, false) } : {}),
  };
}

export class PredictionWriter implements Sink {
  readonly name = "predictions";
  readonly lossless = true;
  private readonly dirs = new Set<string>();
  private written = 0;

  constructor(readonly dir: string) {}

  /**
   * A writer whose directory exists and takes files: creates it, writes and removes a probe
   * file. A directory that cannot be made or written is a start-up error (exit 2) naming it,
   * not a `sink-failed` problem on every frame.
   */
  static async open(dir: string): Promise<PredictionWriter> {
    const probe = join(dir, `.segstream-probe-${process.pid}`);
    try {
      await ensureDir(dir);
      await writeFileAtomic(probe, "");
      await rm(probe, { force: true });
    } catch (e) {
      throw new InputError(
        `--pred-dir ${dir}`,
        `cannot write predictions there (${errorMessage(e)})`,
        "give a directory segstream may create and write, e.g. --pred-dir out/pred",
      );
    }
    return new PredictionWriter(dir);
  }

  get framesWritten(): number {
    return this.written;
  }

  async write(out: Output): Promise<void> {
    const { city, stem } = predictionStem(out);
    const dir = join(this.dir, city);
    if (!this.dirs.has(dir)) {
      await ensureDir(dir);
      this.dirs.add(dir);
    }
    const r = out.result;
    const labels = labelIdImage(r);
    const ids = instanceIdImage(r, labels);
    const [labelPng, idPng] = await Promise.all([
      encodePng(
        { width: r.width, height: r.height, encoding: "mono8", data: labels },
        { compressionLevel: 1 },
      ),
      encodePng(
        { width: r.width, height: r.height, encoding: "mono16", data: new Uint8Array(ids.buffer) },
        { compressionLevel: 1 },
      ),
    ]);
    const base = join(dir, stem);
    const json = JSON.stringify(instancesJson(r));
    const writeAll = (): Promise<unknown> =>
      Promise.all([
        writeFileAtomic(`${base}_pred_labelIds.png`, labelPng),
        writeFileAtomic(`${base}_pred_instanceIds.png`, idPng),
        writeFileAtomic(`${base}_pred_instances.json`, json),
      ]);
    try {
      await writeAll();
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e;
      // The directory went away mid-run (cleaned by hand): make it again, once.
      await ensureDir(dir);
      await writeAll();
    }
    this.written++;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
