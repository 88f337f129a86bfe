/**
 * Instances from a semantic map, for semantic-only (DeepLab) runs: each connected component of
 * a thing class (person, rider, car, truck, bus, train, motorcycle, bicycle) becomes an instance
 * with score 1, its tight box and its RLE mask, so it is tracked like a detector's instance.
 *
 * Labelling works on row runs (runs of one class within a row), joined with union-find when
 * runs of the same class in adjacent rows touch (4-connectivity: share a column; 8-connectivity:
 * share a column or a corner). Instances come in raster order of their first pixel.
 */
import { makeInstances, type Instances, type RleMask, type SemanticMap } from "../inference/result.js";
import { RleBuilder } from "../frames/rle.js";
import { THING_LABELS } from "../frames/labels.js";

export interface ComponentOptions {
  /** 4 or 8 neighbours. */
  readonly connectivity: 4 | 8;
  /** Components with fewer pixels are dropped. */
  readonly minArea: number;
  /** Label ids that become instances (default: the 8 evaluated thing classes). */
  readonly classIds: readonly number[];
}

export const DEFAULT_COMPONENT_OPTIONS: ComponentOptions = Object.freeze({
  connectivity: 8,
  minArea: 64,
  classIds: Object.freeze(THING_LABELS.map((l) => l.id)),
});

function find(parent: Int32Array, x: number): number {
  let r = x;
  while (parent[r]! !== r) r = parent[r]!;
  while (parent[x]! !== r) {
    const next = parent[x]!;
    parent[x] = r;
    x = next;
  }
  return r;
}

/** Connected components of thing classes in `semantic`, as validated `Instances`. */
export function instancesFromSemantic(
  semantic: SemanticMap,
  options: Partial<ComponentOptions> = {},
): Instances {
  const opts = { ...DEFAULT_COMPONENT_OPTIONS, ...options };
  if (opts.connectivity !== 4 && opts.connectivity !== 8) {
    throw new RangeError(`connectivity must be 4 or 8, got ${String(opts.connectivity)}`);
  }
  const { width: w, height: h, classIds: map } = semantic;
  const isThing = new Uint8Array(256);
  for (const id of opts.classIds) isThing[id] = 1;

  // 1. Row runs of thing classes.
  let cap = 1024;
  let runY = new Int32Array(cap);
  let runX0 = new Int32Array(cap);
  let runX1 = new Int32Array(cap);
  let runCls = new Uint8Array(cap);
  const rowStart = new Int32Array(h + 1);
  let n = 0;
  for (let y = 0; y < h; y++) {
    rowStart[y] = n;
    const base = y * w;
    let x = 0;
    while (x < w) {
      const c = map[base + x]!;
      if (!isThing[c]) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < w && map[base + x] === c) x++;
      if (n === cap) {
        cap *= 2;
        const grow = <T extends Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => {
          const b = make(cap);
          b.set(a);
          return b;
        };
        runY = grow(runY, (k) => new Int32Array(k));
        runX0 = grow(runX0, (k) => new Int32Array(k));
        runX1 = grow(runX1, (k) => new Int32Array(k));
        runCls = grow(runCls, (k) => new Uint8Array(k));
      }
      runY[n] = y;
      runX0[n] = x0;
      runX1[n] = x;
      runCls[n] = c;
      n++;
    }
  }
  rowStart[h] = n;

  // 2. Union runs of the same class touching across adjacent rows.
  const parent = new Int32Array(n);
  for (let k = 0; k < n; k++) parent[k] = k;
  const reach = opts.connectivity === 8 ? 1 : 0;
  for (let y = 1; y < h; y++) {
    let first = rowStart[y - 1]!;
    const iEnd = rowStart[y]!;
    for (let j = rowStart[y]!; j < rowStart[y + 1]!; j++) {
      // Runs touch when [x0 − reach, x1 + reach) of one overlaps the other.
      while (first < iEnd && runX1[first]! + reach <= runX0[j]!) first++;
      for (let i = first; i < iEnd && runX0[i]! < runX1[j]! + reach; i++) {
        if (runCls[i] !== runCls[j]) continue;
        const a = find(parent, i);
        const b = find(parent, j);
        if (a < b) parent[b] = a;
        else if (b < a) parent[a] = b;
      }
    }
  }

  // 3. Component ids in raster order of first run; areas and boxes.
  const compOf = new Int32Array(n);
  const rootComp = new Int32Array(n).fill(-1);
  const area: number[] = [];
  const box: number[] = [];
  const cls: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = find(parent, k);
    let c = rootComp[r]!;
    if (c < 0) {
      c = area.length;
      rootComp[r] = c;
      area.push(0);
      box.push(Infinity, Infinity, -Infinity, -Infinity);
      cls.push(runCls[k]!);
    }
    compOf[k] = c;
    area[c]! += runX1[k]! - runX0[k]!;
    const o = 4 * c;
    if (runX0[k]! < box[o]!) box[o] = runX0[k]!;
    if (runY[k]! < box[o + 1]!) box[o + 1] = runY[k]!;
    if (runX1[k]! > box[o + 2]!) box[o + 2] = runX1[k]!;
    if (runY[k]! + 1 > box[o + 3]!) box[o + 3] = runY[k]! + 1;
  }
  const keep: number[] = [];
  const newIndex = new Int32Array(area.length).fill(-1);
  for (let c = 0; c < area.length; c++) {
    if (area[c]! >= opts.minArea) {
      newIndex[c] = keep.length;
      keep.push(c);
    }
  }

  // 4. RLE masks: runs are already in raster order per component.
  const builders = keep.map(() => new RleBuilder());
  for (let k = 0; k < n; k++) {
    const c = newIndex[compOf[k]!]!;
    if (c < 0) continue;
    const b = builders[c]!;
    const start = runY[k]! * w + runX0[k]!;
    b.push(0, start - b.length);
    b.push(1, runX1[k]! - runX0[k]!);
  }
  const count = keep.length;
  const boxes = new Float32Array(4 * count);
  const classIds = new Uint8Array(count);
  const masks: RleMask[] = [];
  for (let i = 0; i < count; i++) {
    const c = keep[i]!;
    for (let q = 0; q < 4; q++) boxes[4 * i + q] = box[4 * c + q]!;
    classIds[i] = cls[c]!;
    masks.push(builders[i]!.finish(w, h));
  }
  return makeInstances(
    { count, boxes, scores: new Float32Array(count).fill(1), classIds, masks },
    { width: w, height: h },
  );
}
