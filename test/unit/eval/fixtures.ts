/** Test helpers: hand-made label images written as real PNGs in a Cityscapes-style tree. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { encodePng } from "../../../src/frames/codec.js";

/** Rows of label ids → flat array; all rows must have the same length. */
export function grid(rows: readonly (readonly number[])[]): {
  width: number;
  height: number;
  values: number[];
} {
  const width = rows[0]?.length ?? 0;
  for (const r of rows)
    if (r.length !== width) throw new Error(`ragged grid row of ${r.length}, expected ${width}`);
  return { width, height: rows.length, values: rows.flat() };
}

export async function writeMono8(path: string, rows: readonly (readonly number[])[]): Promise<void> {
  const { width, height, values } = grid(rows);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await encodePng({ width, height, encoding: "mono8", data: Uint8Array.from(values) }));
}

export async function writeMono16(path: string, rows: readonly (readonly number[])[]): Promise<void> {
  const { width, height, values } = grid(rows);
  const data = new Uint8Array(width * height * 2);
  values.forEach((v, i) => {
    data[2 * i] = v & 0xff;
    data[2 * i + 1] = v >> 8;
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await encodePng({ width, height, encoding: "mono16", data }));
}

/** instanceIds → labelIds (v ≥ 1000 → v / 1000). */
export function labelsOf(instanceRows: readonly (readonly number[])[]): number[][] {
  return instanceRows.map((r) => r.map((v) => (v >= 1000 ? Math.floor(v / 1000) : v)));
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `segstream-eval-${prefix}-`));
}

/** Writes `gtFine/<split>/<city>/<stem>_gtFine_{labelIds,instanceIds}.png` from an instanceIds grid. */
export async function writeGt(
  root: string,
  split: string,
  stem: string,
  instanceRows: readonly (readonly number[])[],
): Promise<void> {
  const city = stem.split("_")[0]!;
  const base = join(root, "gtFine", split, city, `${stem}_gtFine_`);
  await writeMono8(`${base}labelIds.png`, labelsOf(instanceRows));
  await writeMono16(`${base}instanceIds.png`, instanceRows);
}

/** Writes `<predRoot>/<city>/<stem>_pred_labelIds.png`. */
export async function writePred(
  predRoot: string,
  stem: string,
  rows: readonly (readonly number[])[],
): Promise<void> {
  const city = stem.split("_")[0]!;
  await writeMono8(join(predRoot, city, `${stem}_pred_labelIds.png`), rows);
}
