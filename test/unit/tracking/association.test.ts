/**
 * The association behaviours added after instrumenting the degraded-GT sequences
 * (test/integration/tracking): one assignment over tracked, lost and new tracks and high and
 * low detections; a second miss for new tracks; birth velocity not taken from a fragment;
 * lost-track recovery by the Kalman gate; no coasting out of the frame.
 */
import { describe, expect, it } from "vitest";
import { ByteTracker, type TrackerOptionsInit } from "../../../src/tracking/index.js";
import { CAR, PERSON, ellipse, minus, runScene, type Det } from "./scene.js";

const W = 320;
const H = 160;
const FPS = 17;

function ids(
  opts: TrackerOptionsInit,
  n: number,
  dets: (i: number) => Det[],
): { ids: Map<string, number>[]; t: ByteTracker; outputs: ReturnType<typeof runScene>["outputs"] } {
  const t = new ByteTracker(opts);
  const r = runScene(t, n, dets, { w: W, h: H, fps: FPS });
  return { ids: r.ids, outputs: r.outputs, t };
}

const of = (m: Map<string, number>[], tag: string): (number | undefined)[] => m.map((x) => x.get(tag));

/** An 8 × 28 px pedestrian centred at x. */
const walker = (tag: string, x: number, score = 0.9): Det => ({
  tag,
  cls: PERSON,
  score,
  mask: ellipse(W, H, x, 80, 4, 14),
});

describe("ByteTracker association", () => {
  it("a track whose own detection is low-score keeps it; the neighbour's new track keeps its own", () => {
    // Two pedestrians side by side (centres 10 px apart, a 2 px gap), walking right; B appears
    // in frame 5 (a new, unconfirmed track in frame 6). In frame 6 A's detection is low-score:
    // A's track must not take B's high detection (a weak, proximity-only pair) — sequential
    // BYTE stages would match it there and swap the two ids from then on.
    const { ids: m } = ids({}, 14, (i) => {
      const dets = [walker("A", 100 + 2 * i, i === 6 ? 0.3 : 0.9)];
      if (i >= 5) dets.push(walker("B", 110 + 2 * i));
      return dets;
    });
    expect(new Set(of(m, "A"))).toEqual(new Set([1]));
    expect(new Set(of(m, "B").slice(5))).toEqual(new Set([2]));
  });

  it("a track that misses its detection does not take the neighbour's (its new track's) detection", () => {
    // As above, but A is not detected at all in frame 6.
    const { ids: m } = ids({}, 14, (i) => {
      const dets: Det[] = i === 6 ? [] : [walker("A", 100 + 2 * i)];
      if (i >= 5) dets.push(walker("B", 110 + 2 * i));
      return dets;
    });
    expect(new Set(of(m, "A").filter((x) => x !== undefined))).toEqual(new Set([1]));
    expect(new Set(of(m, "B").slice(5))).toEqual(new Set([2]));
  });

  it("a new track survives two missed frames (unconfirmedMaxMisses 2), not three", () => {
    const car = (i: number): Det => ({
      tag: "C",
      cls: CAR,
      score: 0.9,
      mask: ellipse(W, H, 60 + 3 * i, 80, 20, 12),
    });
    const gap = (misses: number) => (i: number) => (i === 3 || i > 3 + misses ? [car(i)] : []);
    // Born in frame 3 (after the first frame, so unconfirmed), missed twice, seen again.
    expect(of(ids({}, 9, gap(2)).ids, "C").slice(6)).toEqual([1, 1, 1]);
    expect(of(ids({ unconfirmedMaxMisses: 1 }, 9, gap(2)).ids, "C").slice(6)).toEqual([2, 2, 2]);
    // Three misses: removed, the detection starts a new track.
    expect(of(ids({}, 10, gap(3)).ids, "C").slice(7)).toEqual([2, 2, 2]);
  });

  it("takes no birth velocity from a fragment (a partly occluded second detection)", () => {
    // A parked car (40 × 24 px). Frame 1: its left 60 % hidden, so the detection's centre is
    // 12 px right of the car's. Frames 2–3: missed. Frame 4: fully visible where it always was.
    const full = ellipse(W, H, 150, 80, 20, 12);
    const wall = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < 154; x++) wall[y * W + x] = 1;
    const { ids: m, t } = ids({}, 6, (i) => {
      if (i === 2 || i === 3) return [];
      return [{ tag: "C", cls: CAR, score: 0.9, mask: i === 1 ? minus(full, wall) : full }];
    });
    expect(of(m, "C")).toEqual([1, 1, undefined, undefined, 1, 1]);
    // The track did not fly off: the velocity from a 16 px wide fragment of a 40 px car is 0.
    const box = t.activeTracks.find((x) => x.id === 1)!.box;
    expect(Math.abs((box[0] + box[2]) / 2 - 150)).toBeLessThan(3);
  });

  it("recovers a lost track after an occlusion within its Kalman gate, not an object of another size", () => {
    // A pedestrian walking right 3 px/frame, hidden for 8 frames (0.47 s at 17 fps), back 22 px
    // ahead of the constant-velocity prediction: its box overlaps neither the prediction nor
    // (~1.5 heights away) does the centre term reach it; the Kalman gate (σ ≈ 10 px by then) does.
    const person = (i: number, dx = 0): Det => ({
      tag: "P",
      cls: PERSON,
      score: 0.9,
      mask: ellipse(W, H, 40 + 3 * i + dx, 80, 5, 15),
    });
    const scene = (back: (i: number) => Det) => (i: number) =>
      i < 10 ? [person(i)] : i < 18 ? [] : [back(i)];
    const ahead = (i: number) => person(i, 22);
    expect(of(ids({}, 21, scene(ahead)).ids, "P").slice(18)).toEqual([1, 1, 1]);
    expect(of(ids({ recoveryGate: 0 }, 21, scene(ahead)).ids, "P").slice(18)).toEqual([2, 2, 2]);
    // Something more than twice as tall, as far from the prediction (inside the gate, out of
    // reach of the centre term), is somebody else.
    const tall = (i: number): Det => ({
      tag: "P",
      cls: PERSON,
      score: 0.9,
      mask: ellipse(W, H, 40 + 3 * i + 26, 80, 8, 33),
    });
    expect(of(ids({}, 21, scene(tall)).ids, "P").slice(18)).toEqual([2, 2, 2]);
    expect(
      of(
        ids(
          { recoveryGate: 0 },
          21,
          scene((i) => person(i, 26)),
        ).ids,
        "P",
      )[18],
    ).toBe(2);
    expect(
      of(
        ids(
          {},
          21,
          scene((i) => person(i, 26)),
        ).ids,
        "P",
      )[18],
    ).toBe(1);
    expect(() => new ByteTracker({ recoveryGate: -1 })).toThrow(/recoveryGate/);
  });

  it("does not coast a track leaving the frame", () => {
    // A car driving out on the right (8 px/frame): detected while its mask is in the frame
    // (clipped at the edge), then no detection. Inside the frame a missed detection is coasted.
    const car = (x: number): Det => ({ tag: "C", cls: CAR, score: 0.9, mask: ellipse(W, H, x, 80, 20, 12) });
    const leaving = ids({}, 12, (i) => (i < 10 ? [car(240 + 8 * i)] : []));
    // Frame 9: centre at 312, half of it out of the frame; frame 10: nothing to coast.
    expect(of(leaving.ids, "C")[9]).toBe(1);
    expect(leaving.outputs[10]!.instances!.count).toBe(0);
    const inside = ids({}, 12, (i) => (i < 10 ? [car(40 + 8 * i)] : []));
    expect(inside.outputs[10]!.instances!.count).toBe(1);
    expect(Array.from(inside.outputs[10]!.instances!.trackIds!)).toEqual([1]);
  });
});
