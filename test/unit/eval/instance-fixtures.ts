/** Test helpers for the prediction tree: `_pred_{labelIds,instanceIds}.png` + `_pred_instances.json`. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { labelsOf, writeMono16, writeMono8 } from "./fixtures.js";

export type Rows = number[][];

/** A w×h grid filled with `v`. */
export function canvas(width: number, height: number, v: number): Rows {
  return Array.from({ length: height }, () => new Array<number>(width).fill(v));
}

/** Fills [x0, x1) × [y0, y1) with `v` (in place); returns the grid. */
export function rect(rows: Rows, x0: number, y0: number, x1: number, y1: number, v: number): Rows {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rows[y]![x] = v;
  return rows;
}

export interface JsonMask {
  size: [number, number];
  counts: number[];
}

/** Row-major RLE (zeros first) of the pixels where `on(v)`. */
export function maskOf(rows: Rows, on: (v: number, x: number, y: number) => boolean): JsonMask {
  const counts: number[] = [];
  let cur = 0;
  let run = 0;
  rows.forEach((r, y) =>
    r.forEach((v, x) => {
      const b = on(v, x, y) ? 1 : 0;
      if (b === cur) run++;
      else {
        counts.push(run);
        cur = b;
        run = 1;
      }
    }),
  );
  counts.push(run);
  return { size: [rows.length, rows[0]!.length], counts };
}

/** A mask of the rectangle [x0, x1) × [y0, y1) on a grid shaped like `rows`. */
export function rectMask(rows: Rows, x0: number, y0: number, x1: number, y1: number): JsonMask {
  return maskOf(rows, (_, x, y) => x >= x0 && x < x1 && y >= y0 && y < y1);
}

export interface PredObject {
  trackId: number | null;
  labelId: number;
  score: number;
  mask: JsonMask;
}

/** Writes the three prediction files of one frame. `instanceRows` is the `_pred_instanceIds.png` content. */
export async function writePredFrame(
  predRoot: string,
  stem: string,
  instanceRows: Rows,
  instances: readonly PredObject[],
  /** The model's ranked detections (`detections` list, scored by instance AP); omitted when undefined. */
  detections?: readonly Omit<PredObject, "trackId">[],
): Promise<void> {
  const city = stem.split("_")[0]!;
  const base = join(predRoot, city, `${stem}_pred_`);
  await mkdir(join(predRoot, city), { recursive: true });
  await writeMono8(`${base}labelIds.png`, labelsOf(instanceRows));
  await writeMono16(`${base}instanceIds.png`, instanceRows);
  const height = instanceRows.length;
  const width = instanceRows[0]!.length;
  const json = {
    frameId: 0,
    sourceId: "test",
    stampNs: "0",
    width,
    height,
    instances: instances.map((o) => ({ ...o, box: [0, 0, width, height] })),
    ...(detections !== undefined
      ? { detections: detections.map((o) => ({ ...o, box: [0, 0, width, height] })) }
      : {}),
  };
  await writeFile(`${base}instances.json`, JSON.stringify(json));
}

/** GT instanceIds → perfect predictions: one instance per value ≥ 1000 (trackId = value mod 1000). */
export function gtAsInstances(rows: Rows): PredObject[] {
  const values = [...new Set(rows.flat())].filter((v) => v >= 1000).sort((a, b) => a - b);
  return values.map((v) => ({
    trackId: v % 1000,
    labelId: Math.floor(v / 1000),
    score: 1,
    mask: maskOf(rows, (x) => x === v),
  }));
}
