import { describe, expect, it } from "vitest";
import { decodeRle } from "../../../src/frames/rle.js";
import { makeResult, paintInstanceIds, type SegmentationResult } from "../../../src/inference/result.js";
import { DEFAULT_CONFIG } from "../../../src/config/defaults.js";
import {
  ByteTracker,
  DEFAULT_TRACKER_OPTIONS,
  MultiSourceTracker,
  type TrackerOptionsInit,
} from "../../../src/tracking/index.js";
import { CAR, PERSON, area, ellipse, frame, idsByTag, minus, type Det } from "./scene.js";

const W = 320;
const H = 160;

/** Runs `dets(i)` for `n` frames; returns per frame the tag → id map and the outputs. */
function run(
  tracker: { update(r: SegmentationResult): SegmentationResult },
  n: number,
  dets: (i: number) => Det[],
  fps = 30,
): { ids: Map<string, number>[]; outputs: SegmentationResult[] } {
  const ids: Map<string, number>[] = [];
  const outputs: SegmentationResult[] = [];
  for (let i = 0; i < n; i++) {
    const d = dets(i);
    const input = frame(d, { w: W, h: H, index: i, fps });
    const out = tracker.update(input);
    outputs.push(out);
    ids.push(
      idsByTag(
        input,
        d.map((x) => x.tag),
        out,
      ),
    );
  }
  return { ids, outputs };
}

function idsOf(ids: Map<string, number>[], tag: string, from = 0, to = ids.length): (number | undefined)[] {
  return ids.slice(from, to).map((m) => m.get(tag));
}

function mover(tag: string, x0: number, vx: number, y: number, cls = CAR, score = 0.9) {
  return (i: number): Det => ({ tag, cls, score, mask: ellipse(W, H, x0 + vx * i, y, 22, 16) });
}

describe("ByteTracker", () => {
  it("defaults equal the config defaults for the shared keys", () => {
    const { enabled: _e, ...shared } = DEFAULT_CONFIG.tracking;
    for (const [k, v] of Object.entries(shared)) {
      expect(DEFAULT_TRACKER_OPTIONS[k as keyof typeof DEFAULT_TRACKER_OPTIONS]).toBe(v);
    }
    expect(() => new ByteTracker({ matchThreshold: 2 })).toThrow(/matchThreshold/);
  });

  it("keeps ids of two same-class objects crossing through each other", () => {
    const t = new ByteTracker();
    const n = 50;
    const { ids, outputs } = run(t, n, (i) => {
      // A in front moving right, B behind moving left; B's detection is what stays visible.
      const a = ellipse(W, H, 40 + 5 * i, 80, 30, 24);
      const bFull = ellipse(W, H, 280 - 5 * i, 84, 26, 20);
      const b = minus(bFull, a);
      const dets: Det[] = [{ tag: "A", cls: CAR, score: 0.9, mask: a }];
      if (area(b) > 0.5 * area(bFull)) dets.push({ tag: "B", cls: CAR, score: 0.8, mask: b });
      return dets;
    });
    const a = idsOf(ids, "A");
    expect(new Set(a)).toEqual(new Set([1]));
    const b = idsOf(ids, "B").filter((x) => x !== undefined);
    expect(new Set(b)).toEqual(new Set([2]));
    // B was hidden for some frames in the middle and came back.
    expect(idsOf(ids, "B").filter((x) => x === undefined).length).toBeGreaterThanOrEqual(4);
    expect(ids[n - 1]!.get("B")).toBe(2);
    // Every output instance has an id.
    for (const o of outputs) expect(o.instances!.trackIds!.length).toBe(o.instances!.count);
  });

  it("an object occluded shorter than the buffer keeps its id; longer gets a new one", () => {
    const track = (gap: number, fps: number) => {
      const t = new ByteTracker(); // lostTrackBufferSeconds 1.5
      const m = mover("P", 30, 3 * (30 / fps), 80, PERSON);
      const { ids } = run(t, 10 + gap + 5, (i) => (i >= 10 && i < 10 + gap ? [] : [m(i)]), fps);
      return { before: ids[9]!.get("P"), after: ids[10 + gap]!.get("P"), t };
    };
    // 20 frames at 30 Hz = 0.67 s: back with the old id.
    const short = track(20, 30);
    expect(short.before).toBe(1);
    expect(short.after).toBe(1);
    // 60 frames at 30 Hz = 2 s: new id.
    const long = track(60, 30);
    expect(long.before).toBe(1);
    expect(long.after).toBe(2);
    // The buffer is in seconds: 12 frames is 0.4 s at 30 Hz but 2.4 s at 5 Hz.
    expect(track(12, 30).after).toBe(1);
    expect(track(12, 5).after).toBe(2);
    // Stamps that do not advance: each frame counts as one reference frame (1/30 s).
    expect(track(20, Infinity).after).toBe(1);
    expect(track(60, Infinity).after).toBe(2);
  });

  it("keeps a predicted height ≥ 1 px for an object that shrank fast before it was lost", () => {
    // Height 80 → 8 px in 5 frames (an object leaving the view), then no detections: the
    // height velocity carried one frame past the last detection used to predict h < 0.
    const t = new ByteTracker();
    run(t, 8, (i) =>
      i < 5 ? [{ tag: "S", cls: CAR, score: 0.9, mask: ellipse(W, H, 160, 80, 20, 40 - 9 * i) }] : [],
    );
    const info = t.activeTracks;
    expect(info.length).toBe(1);
    const [, y1, , y2] = info[0]!.box;
    expect(y2 - y1).toBeGreaterThanOrEqual(1);
  });

  it("never reuses ids, also after removal and reset", () => {
    const t = new ByteTracker();
    const a = mover("A", 40, 2, 60);
    const b = mover("B", 200, -2, 100);
    const { ids } = run(t, 80, (i) => (i < 5 ? [a(i)] : i >= 70 ? [b(i)] : []));
    expect(ids[4]!.get("A")).toBe(1);
    expect(ids[70]!.get("B")).toBe(2);
    expect(t.activeTracks.map((x) => x.id)).toEqual([2]);
    t.reset();
    expect(t.activeTracks).toEqual([]);
    const after = run(t, 3, (i) => [a(i)]);
    expect(after.ids[0]!.get("A")).toBe(3);
    expect(after.ids[2]!.get("A")).toBe(3);
  });

  it("a low-score detection continues a track (BYTE stage 2) but never starts one", () => {
    const t = new ByteTracker();
    const m = mover("P", 40, 3, 80, PERSON);
    const { ids, outputs } = run(t, 12, (i) => {
      const dets: Det[] = [{ ...m(i), score: i < 5 ? 0.9 : 0.3 }];
      // A lone low-score detection and a lone high one below newTrackThreshold elsewhere.
      dets.push({ tag: "low", cls: PERSON, score: 0.3, mask: ellipse(W, H, 250, 40, 15, 15) });
      dets.push({ tag: "mid", cls: PERSON, score: 0.55, mask: ellipse(W, H, 250, 120, 15, 15) });
      return dets;
    });
    expect(new Set(idsOf(ids, "P"))).toEqual(new Set([1]));
    expect(outputs[8]!.instances!.scores[0]).toBeCloseTo(0.3, 6);
    expect(idsOf(ids, "low").every((x) => x === undefined)).toBe(true);
    expect(idsOf(ids, "mid").every((x) => x === undefined)).toBe(true);
    expect(t.activeTracks.map((x) => x.id)).toEqual([1]);
    expect(t.nextTrackId).toBe(2);
  });

  it("reads the adapter's detections below its display threshold (BYTE's low band), not only the instances", () => {
    // A car at 0.9, then from frame 5 at 0.2: below a 0.3 display threshold, so only in
    // `detections` (the adapter's ranked list), absent from `instances`.
    const m = mover("C", 40, 3, 80);
    const inputs = Array.from({ length: 10 }, (_, i) => {
      const all = frame([{ ...m(i), score: i < 5 ? 0.9 : 0.2 }], { w: W, h: H, index: i });
      const none = {
        boxes: new Float32Array(0),
        scores: new Float32Array(0),
        classIds: new Uint8Array(0),
        masks: [],
      };
      const shown = i < 5 ? all.instances! : none;
      return makeResult({ ...all, instances: shown, detections: all.instances! });
    });
    const t = new ByteTracker();
    const outs = inputs.map((r) => t.update(r));
    for (const o of outs) expect([...o.instances!.trackIds!]).toEqual([1]);
    expect(outs[7]!.instances!.scores[0]).toBeCloseTo(0.2, 6);
    // The same frames without `detections`: the track is lost after frame 4.
    const bare = new ByteTracker();
    const without = inputs.map((r) => bare.update(makeResult({ ...r, detections: undefined })));
    expect(without[7]!.instances!.count).toBe(0);
  });

  it("a low-score detection does not revive a lost track", () => {
    const t = new ByteTracker();
    const m = mover("P", 40, 3, 80, PERSON);
    const { ids } = run(t, 12, (i) => (i < 5 ? [m(i)] : i < 8 ? [] : [{ ...m(i), score: 0.3 }]));
    expect(ids[4]!.get("P")).toBe(1);
    expect(idsOf(ids, "P", 8).every((x) => x === undefined)).toBe(true);
  });

  it("matches only detections of the same class", () => {
    const t = new ByteTracker();
    const mask = (i: number) => ellipse(W, H, 100 + i, 80, 22, 16);
    const { ids } = run(t, 4, (i) => [
      { tag: i < 2 ? "car" : "person", cls: i < 2 ? CAR : PERSON, score: 0.9, mask: mask(i) },
    ]);
    expect(ids[1]!.get("car")).toBe(1);
    expect(ids[2]!.get("person")).toBe(2);
    expect(ids[3]!.get("person")).toBe(2);
    expect(t.activeTracks.find((x) => x.id === 1)?.state).toBe("lost");
  });

  it("mask IoU disambiguates two overlapping boxes whose masks differ", () => {
    // Two diagonal bands (\ and /) in nearly the same box that swap boxes in the next frame:
    // box-only matching swaps the ids, mask-aware matching does not.
    const band = (ox: number, dir: 1 | -1): Uint8Array => {
      const m = new Uint8Array(W * H);
      for (let y = 0; y < 100; y++) {
        const c = dir === 1 ? y : 99 - y;
        for (let x = Math.max(0, c - 15); x < Math.min(100, c + 15); x++) m[(y + 20) * W + x + ox] = 1;
      }
      return m;
    };
    const dets = (i: number): Det[] => [
      { tag: "back", cls: CAR, score: 0.9, mask: band(100 + 10 * i, 1) },
      { tag: "fwd", cls: CAR, score: 0.9, mask: band(110 - 10 * i, -1) },
    ];
    const go = (opts: TrackerOptionsInit) => run(new ByteTracker(opts), 2, dets).ids;
    const boxOnly = go({ maskIouWeight: 0 });
    expect(boxOnly[0]!.get("back")).toBe(1);
    expect(boxOnly[1]!.get("back")).toBe(2); // swapped
    const maskAware = go({});
    expect(maskAware[0]!.get("back")).toBe(1);
    expect(maskAware[1]!.get("back")).toBe(1);
    expect(maskAware[1]!.get("fwd")).toBe(2);
  });

  it("keeps the id of a thin fast object born mid-stream (boxes barely overlap frame to frame)", () => {
    // A 6 px wide pedestrian moving 5 px/frame at 17 fps, appearing in frame 3 (not confirmed at
    // once): consecutive boxes overlap by 1 px, so box and mask IoU are ~0.1.
    const thin = (i: number): Det => ({
      tag: "P",
      cls: PERSON,
      score: 0.9,
      mask: ellipse(W, H, 40 + 5 * i, 80, 3, 20),
    });
    const go = (opts: TrackerOptionsInit) =>
      idsOf(
        run(
          new ByteTracker(opts),
          20,
          (i) => [
            { tag: "C", cls: CAR, score: 0.9, mask: ellipse(W, H, 250, 120, 30, 15) },
            ...(i >= 3 ? [thin(i)] : []),
          ],
          17,
        ).ids,
        "P",
        3,
      );
    expect(new Set(go({}))).toEqual(new Set([2]));
    // Without the centre term and with ByteTrack's confirmation threshold, it is not kept.
    expect(new Set(go({ proximityWeight: 0, unconfirmedMatchThreshold: 0.3 })).size).toBeGreaterThan(1);
  });

  it("coasts a track through one missed detection (coastFrames), with its moved mask", () => {
    const m = mover("C", 40, 4, 80);
    const miss = 8;
    const go = (opts: TrackerOptionsInit) =>
      run(new ByteTracker(opts), 12, (i) => (i === miss ? [] : [m(i)])).outputs;
    const out = go({})[miss]!.instances!;
    expect([...out.trackIds!]).toEqual([1]);
    // The coasted mask is the last one moved by the predicted motion (~4 px): it covers the true one.
    const truth = m(miss).mask;
    const coasted = decodeRle(out.masks[0]!);
    let inter = 0;
    for (let i = 0; i < truth.length; i++) if (truth[i] && coasted[i]) inter++;
    expect(inter / area(truth)).toBeGreaterThan(0.85);
    expect(out.scores[0]!).toBeLessThan(DEFAULT_TRACKER_OPTIONS.lowScoreThreshold);
    expect(go({ coastFrames: 0 })[miss]!.instances!.count).toBe(0);
    // The next frame's detection continues the same id.
    expect([...go({})[miss + 1]!.instances!.trackIds!]).toEqual([1]);
  });

  it("outputs disjoint masks that agree with paintInstanceIds", () => {
    const t = new ByteTracker();
    const input = frame(
      [
        { cls: CAR, score: 0.7, mask: ellipse(W, H, 100, 80, 40, 30) },
        { cls: PERSON, score: 0.9, mask: ellipse(W, H, 120, 80, 15, 40) },
      ],
      { w: W, h: H, index: 0 },
    );
    const out = t.update(input);
    const inst = out.instances!;
    expect(Array.from(inst.trackIds!)).toEqual([1, 2]);
    const a = decodeRle(inst.masks[0]!);
    const b = decodeRle(inst.masks[1]!);
    expect(a.some((v, i) => v && b[i])).toBe(false);
    expect(area(b)).toBe(area(decodeRle(input.instances!.masks[1]!)));
    const painted = paintInstanceIds(out, W, H);
    for (let i = 0; i < W * H; i++) {
      const want = a[i] ? CAR * 1000 + 1 : b[i] ? PERSON * 1000 + 2 : 0;
      if (painted[i] !== want) throw new Error(`pixel ${i}: painted ${painted[i]}, masks say ${want}`);
    }
  });

  it("passes results without instances through and tracks components of semantic-only runs", () => {
    const sem = (i: number) => {
      const classIds = new Uint8Array(W * H).fill(7);
      const m = ellipse(W, H, 60 + 4 * i, 80, 20, 15);
      m.forEach((v, k) => v && (classIds[k] = CAR));
      return { width: W, height: H, classIds };
    };
    const res = (i: number) =>
      makeResult({
        frameId: i,
        sourceId: "cam",
        stampNs: BigInt(i) * 33_000_000n,
        width: W,
        height: H,
        semantic: sem(i),
      });
    const plain = new ByteTracker();
    const r0 = res(0);
    expect(plain.update(r0)).toBe(r0);
    const t = new ByteTracker({ instancesFromSemantic: true });
    for (let i = 0; i < 5; i++) {
      const out = t.update(res(i));
      expect(Array.from(out.instances!.trackIds!)).toEqual([1]);
      expect(out.instances!.classIds[0]).toBe(CAR);
    }
  });
});

describe("MultiSourceTracker", () => {
  it("keeps per-source state and resets a source when its sequence changes", () => {
    const mt = new MultiSourceTracker();
    const m = mover("A", 40, 3, 80);
    const step = (i: number, sourceId: string, sequence?: string) => {
      const d = [m(i)];
      const input = frame(d, { w: W, h: H, index: i, sourceId });
      return idsByTag(input, ["A"], mt.update(input, sequence === undefined ? {} : { sequence })).get("A");
    };
    expect(step(0, "left", "s1")).toBe(1);
    expect(step(0, "right", "s1")).toBe(1); // separate tracker, separate ids
    expect(step(1, "left", "s1")).toBe(1);
    expect(step(1, "right")).toBe(1);
    expect(step(2, "left", "s2")).toBe(2); // sequence changed: reset, fresh id
    expect(step(3, "left", "s2")).toBe(2);
    expect(step(2, "right", "s1")).toBe(1);
    expect(mt.sourceIds).toEqual(["left", "right"]);
    expect(mt.tracker("left")?.activeTracks.map((x) => x.id)).toEqual([2]);
  });

  it("restarts a source's tracks when its frame size changes (masks of two sizes cannot be matched)", () => {
    const mt = new MultiSourceTracker();
    const step = (i: number, w: number, h: number) => {
      // The same car, drawn at the frame's scale.
      const k = w / W;
      const det: Det = {
        tag: "A",
        cls: CAR,
        score: 0.9,
        mask: ellipse(w, h, k * (40 + 3 * i), k * 80, k * 22, k * 16),
      };
      const input = frame([det], { w, h, index: i, sourceId: "cam" });
      return idsByTag(input, ["A"], mt.update(input)).get("A");
    };
    expect(step(0, W, H)).toBe(1);
    expect(step(1, W, H)).toBe(1);
    expect(step(2, W / 2, H / 2)).toBe(2); // new size: fresh tracks, ids keep counting
    expect(step(3, W / 2, H / 2)).toBe(2);
    expect(step(4, W, H)).toBe(3);
    expect(step(5, W, H)).toBe(3);
  });
});
