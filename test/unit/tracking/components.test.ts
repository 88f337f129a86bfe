import { describe, expect, it } from "vitest";
import { decodeRle } from "../../../src/frames/rle.js";
import { instancesFromSemantic } from "../../../src/tracking/components.js";

const CAR = 26;
const PERSON = 24;
const ROAD = 7;

function map(rows: string[]): { width: number; height: number; classIds: Uint8Array } {
  const key: Record<string, number> = { ".": ROAD, c: CAR, p: PERSON, "0": 0 };
  const height = rows.length;
  const width = rows[0]!.length;
  const classIds = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((ch, x) => (classIds[y * width + x] = key[ch]!)));
  return { width, height, classIds };
}

function maskRows(m: { width: number; height: number; counts: Uint32Array }): string[] {
  const px = decodeRle(m);
  return Array.from({ length: m.height }, (_, y) =>
    Array.from(px.subarray(y * m.width, (y + 1) * m.width), (v) => (v ? "#" : ".")).join(""),
  );
}

describe("instancesFromSemantic", () => {
  const sem = map([
    "cc....p.", //
    "cc...p..",
    "..c.....",
    "..c..pp.",
    "........",
    "cccc..c.",
  ]);

  it("8-connectivity joins diagonal neighbours", () => {
    const inst = instancesFromSemantic(sem, { connectivity: 8, minArea: 1 });
    // Raster order of first pixels: car (0,0), person (6,0), person (5,3), car (0,5), car (6,5).
    expect(inst.count).toBe(5);
    expect(Array.from(inst.classIds)).toEqual([CAR, PERSON, PERSON, CAR, CAR]);
    expect(Array.from(inst.scores)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(inst.boxes.subarray(0, 4))).toEqual([0, 0, 3, 4]);
    expect(Array.from(inst.boxes.subarray(4, 8))).toEqual([5, 0, 7, 2]);
    expect(maskRows(inst.masks[0]!)).toEqual([
      "##......",
      "##......",
      "..#.....",
      "..#.....",
      "........",
      "........",
    ]);
    expect(maskRows(inst.masks[3]!)[5]).toBe("####....");
  });

  it("4-connectivity splits diagonal neighbours; minArea drops small components", () => {
    const four = instancesFromSemantic(sem, { connectivity: 4, minArea: 1 });
    // car block, person (6,0), person (5,1), car column (2,2..3), person (5..6,3), car row, car (6,5).
    expect(four.count).toBe(7);
    expect(Array.from(four.classIds)).toEqual([CAR, PERSON, PERSON, CAR, PERSON, CAR, CAR]);
    const big = instancesFromSemantic(sem, { connectivity: 4, minArea: 3 });
    expect(big.count).toBe(2);
    expect(Array.from(big.boxes)).toEqual([0, 0, 2, 2, 0, 5, 4, 6]);
  });

  it("does not join different classes and handles empty maps", () => {
    const touching = map(["ccpp", "ccpp"]);
    const inst = instancesFromSemantic(touching, { minArea: 1 });
    expect(Array.from(inst.classIds)).toEqual([CAR, PERSON]);
    // The corner case of a different-class run ending where a same-class diagonal starts.
    const corner = map(["pc..", "c..."]);
    const c8 = instancesFromSemantic(corner, { minArea: 1 });
    expect(Array.from(c8.classIds)).toEqual([PERSON, CAR]);
    expect(instancesFromSemantic(corner, { minArea: 1, connectivity: 4 }).count).toBe(3);
    expect(instancesFromSemantic(map(["...."])).count).toBe(0);
  });
});
