import { join } from "node:path";

/**
 * Cityscapes file naming (specs/04 §2), shared by the synth writer, the images source and
 * eval: `{root}/{type}{video}/{split}/{city}/{city}_{seq:06}_{frame:06}_{type}{ext}`.
 */
export type GtKind = "labelIds" | "instanceIds" | "color";

export function pad6(n: number): string {
  return String(n).padStart(6, "0");
}

/** `<city>_<seq:06>_<frame:06>`: the join key between images, GT and predictions. */
export function frameStem(city: string, seq: number, frame: number): string {
  return `${city}_${pad6(seq)}_${pad6(frame)}`;
}

/** Parses a stem (or a file name starting with one); undefined if it does not match. */
export function parseStem(
  name: string,
): { city: string; seq: number; frame: number; stem: string } | undefined {
  const m = /^(.+?)_(\d{6})_(\d{6})(?:_|\.|$)/.exec(name.split(/[\\/]/).pop() ?? "");
  if (!m) return undefined;
  const city = m[1]!;
  const seq = Number(m[2]);
  const frame = Number(m[3]);
  return { city, seq, frame, stem: frameStem(city, seq, frame) };
}

export function imageDir(root: string, split: string, city: string): string {
  return join(root, "leftImg8bit_sequence", split, city);
}

export function imagePath(root: string, split: string, city: string, seq: number, frame: number): string {
  return join(imageDir(root, split, city), `${frameStem(city, seq, frame)}_leftImg8bit.png`);
}

export function gtDir(root: string, split: string, city: string): string {
  return join(root, "gtFine", split, city);
}

export function gtPath(
  root: string,
  split: string,
  city: string,
  seq: number,
  frame: number,
  kind: GtKind,
): string {
  return join(gtDir(root, split, city), `${frameStem(city, seq, frame)}_gtFine_${kind}.png`);
}

export function cameraDir(root: string, split: string, city: string): string {
  return join(root, "camera", split, city);
}

export function cameraPath(root: string, split: string, city: string, seq: number, frame: number): string {
  return join(cameraDir(root, split, city), `${frameStem(city, seq, frame)}_camera.json`);
}

export function timestampDir(root: string, split: string, city: string): string {
  return join(root, "timestamp_sequence", split, city);
}

/** Per-sequence timestamps file (format documented in writer.ts). */
export function timestampsPath(root: string, split: string, city: string, seq: number): string {
  return join(timestampDir(root, split, city), `${city}_${pad6(seq)}_timestamps.txt`);
}

/** Parses a timestamps file: one `<frame:06> <stampNs>` line per frame. */
export function parseTimestamps(text: string): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(Number(m[1]), BigInt(m[2]!));
  }
  return out;
}
