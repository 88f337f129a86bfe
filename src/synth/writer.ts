import { rename, writeFile } from "node:fs/promises";
import { encodePng } from "../frames/codec.js";
import { ID_TO_COLOR } from "../frames/labels.js";
import { errorMessage, InputError } from "../frames/problem.js";
import { ensureDir } from "../util/ensure-dir.js";
import {
  cameraDir,
  cameraPath,
  gtDir,
  gtPath,
  imageDir,
  imagePath,
  pad6,
  timestampDir,
  timestampsPath,
} from "./layout.js";
import { sequenceSeed } from "./rng.js";
import { SynthSequence } from "./sequence.js";

/**
 * Writes synthetic sequences in the Cityscapes layout (the only I/O of the synthetic city):
 *
 * - `leftImg8bit_sequence/<split>/<city>/<stem>_leftImg8bit.png` — the camera image (rgb8);
 * - `gtFine/<split>/<city>/<stem>_gtFine_labelIds.png` — 8-bit label ids;
 * - `gtFine/<split>/<city>/<stem>_gtFine_instanceIds.png` — 16-bit, labelId·1000 + k for things
 *   (k constant over an object's whole life in the sequence: tracking GT), labelId for stuff;
 * - `gtFine/<split>/<city>/<stem>_gtFine_color.png` — label colours (RGB; Cityscapes ships RGBA);
 * - `camera/<split>/<city>/<stem>_camera.json` — Cityscapes-style intrinsics and extrinsics;
 * - `timestamp_sequence/<split>/<city>/<city>_<seq:06>_timestamps.txt` — one line per frame,
 *   `<frame:06> <stampNs>`, first frame 0, then round(i·1e9/fps). (A per-sequence text file;
 *   the images source also reads Cityscapes' own per-frame `<stem>_timestamp.txt` files.)
 *
 * Sequence s uses seed `sequenceSeed(seed, s)`. Same arguments → byte-identical files.
 * Files are written atomically (temporary name, then rename).
 */
export interface SynthWriteOptions {
  readonly out: string;
  readonly frames: number;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly city: string;
  readonly split: string;
  readonly sequences: number;
  /** Called after each frame is written. */
  readonly onFrame?: (seq: number, frame: number) => void;
}

export interface SynthWriteReport {
  readonly out: string;
  readonly sequences: number;
  readonly frames: number;
  readonly files: number;
  readonly renderMs: number;
  readonly encodeMs: number;
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Colours a label-id image with the Cityscapes palette. */
export function colorize(labelIds: Uint8Array, out = new Uint8Array(labelIds.length * 3)): Uint8Array {
  for (let i = 0, j = 0; i < labelIds.length; i++, j += 3) {
    const c = labelIds[i]! * 3;
    out[j] = ID_TO_COLOR[c]!;
    out[j + 1] = ID_TO_COLOR[c + 1]!;
    out[j + 2] = ID_TO_COLOR[c + 2]!;
  }
  return out;
}

export async function writeSynthetic(o: SynthWriteOptions): Promise<SynthWriteReport> {
  const { out, split, city, width, height } = o;
  try {
    for (const d of [imageDir, gtDir, cameraDir, timestampDir]) await ensureDir(d(out, split, city));
  } catch (e) {
    throw new InputError(`--out ${out}`, `cannot write the dataset there (${errorMessage(e)})`);
  }
  let files = 0;
  let renderMs = 0;
  let encodeMs = 0;
  const color = new Uint8Array(width * height * 3);
  for (let s = 0; s < o.sequences; s++) {
    const seq = new SynthSequence({
      seed: sequenceSeed(o.seed, s),
      width,
      height,
      fps: o.fps,
      frames: o.frames,
    });
    const stamps: string[] = [];
    for (let f = 0; f < o.frames; f++) {
      const t0 = performance.now();
      const fr = seq.render(f);
      const t1 = performance.now();
      renderMs += t1 - t0;
      colorize(fr.labelIds, color);
      const ids = fr.instanceIds;
      const [rgbPng, labelPng, idPng, colorPng] = await Promise.all([
        encodePng({ width, height, encoding: "rgb8", data: fr.rgb }),
        encodePng({ width, height, encoding: "mono8", data: fr.labelIds }),
        encodePng({
          width,
          height,
          encoding: "mono16",
          data: new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength),
        }),
        encodePng({ width, height, encoding: "rgb8", data: color }),
      ]);
      encodeMs += performance.now() - t1;
      const { intrinsics: k, pose } = fr;
      const camera = {
        extrinsic: { baseline: 0.22, pitch: pose.pitch, roll: 0, x: 1.7, y: 0, yaw: 0, z: pose.height },
        intrinsic: { fx: k.fx, fy: k.fy, u0: k.u0, v0: k.v0 },
      };
      await Promise.all([
        writeAtomic(imagePath(out, split, city, s, f), rgbPng),
        writeAtomic(gtPath(out, split, city, s, f, "labelIds"), labelPng),
        writeAtomic(gtPath(out, split, city, s, f, "instanceIds"), idPng),
        writeAtomic(gtPath(out, split, city, s, f, "color"), colorPng),
        writeAtomic(cameraPath(out, split, city, s, f), JSON.stringify(camera, null, 2) + "\n"),
      ]);
      files += 5;
      stamps.push(`${pad6(f)} ${fr.stampNs}`);
      o.onFrame?.(s, f);
    }
    await writeAtomic(
      timestampsPath(out, split, city, s),
      `# frame stampNs (fps ${o.fps})\n${stamps.join("\n")}\n`,
    );
    files++;
  }
  return {
    out,
    sequences: o.sequences,
    frames: o.sequences * o.frames,
    files,
    renderMs: Math.round(renderMs),
    encodeMs: Math.round(encodeMs),
  };
}
