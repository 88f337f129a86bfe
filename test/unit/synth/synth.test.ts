import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../../src/frames/codec.js";
import { SynthSequence, sequenceSeed, writeSynthetic } from "../../../src/synth/index.js";

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

const OPTS = {
  frames: 30,
  seed: 7,
  width: 1024,
  height: 512,
  fps: 17,
  city: "synth",
  split: "val",
  sequences: 1,
};

describe("segstream synth output", () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    a = await mkdtemp(join(tmpdir(), "synth-a-"));
    b = await mkdtemp(join(tmpdir(), "synth-b-"));
    await writeSynthetic({ ...OPTS, out: a });
    await writeSynthetic({ ...OPTS, out: b });
  }, 180_000);

  it("is byte-identical for the same arguments, in the Cityscapes layout with all GT", async () => {
    const fa = await listFiles(a);
    const fb = await listFiles(b);
    expect(fa).toEqual(fb);
    for (const f of fa) expect((await readFile(join(a, f))).equals(await readFile(join(b, f))), f).toBe(true);
    for (let i = 0; i < 30; i++) {
      const stem = `synth_000000_${String(i).padStart(6, "0")}`;
      expect(fa).toContain(`leftImg8bit_sequence/val/synth/${stem}_leftImg8bit.png`);
      for (const kind of ["labelIds", "instanceIds", "color"])
        expect(fa).toContain(`gtFine/val/synth/${stem}_gtFine_${kind}.png`);
      expect(fa).toContain(`camera/val/synth/${stem}_camera.json`);
    }
    const ts = await readFile(join(a, "timestamp_sequence/val/synth/synth_000000_timestamps.txt"), "utf8");
    const lines = ts.split("\n").filter((l) => /^\d/.test(l));
    expect(lines[0]).toBe("000000 0");
    expect(lines[17]).toBe("000017 1000000000"); // 17 fps → frame 17 at 1 s
    expect(lines).toHaveLength(30);
  });

  it("labelIds and instanceIds agree on every pixel, and the Cityscapes classes appear", async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const stem = `synth_000000_${String(i).padStart(6, "0")}`;
      const lab = await decodeImage(
        await readFile(join(a, `gtFine/val/synth/${stem}_gtFine_labelIds.png`)),
        "labelIds",
      );
      const ins = await decodeImage(
        await readFile(join(a, `gtFine/val/synth/${stem}_gtFine_instanceIds.png`)),
        "instanceIds",
      );
      expect(lab.encoding).toBe("mono8");
      expect(ins.encoding).toBe("mono16");
      const ids = new Uint16Array(ins.data.slice().buffer);
      let mismatches = 0;
      for (let p = 0; p < lab.data.length; p++) {
        const v = ids[p]!;
        const l = lab.data[p]!;
        seen.add(l);
        if ((v >= 1000 ? Math.floor(v / 1000) : v) !== l) mismatches++;
      }
      expect(mismatches, stem).toBe(0);
    }
    // road, sidewalk, building, pole, vegetation, sky, car, person
    for (const id of [7, 8, 11, 17, 21, 23, 26, 24]) expect(seen.has(id), `label ${id}`).toBe(true);
  });
});

describe("synthetic city tracking ground truth", () => {
  // Smaller frames: silhouettes are rendered per actor per frame.
  const W = 512;
  const H = 256;
  const N = 30;
  const seq = new SynthSequence({ seed: sequenceSeed(7, 0), width: W, height: H, fps: 17, frames: N });
  const actors = seq.world.actors;
  const owner = new Map<number, number>(); // instance value → actor index
  actors.forEach((act, i) => {
    owner.set(act.inst, i);
    if (act.inst2) owner.set(act.inst2, i);
  });
  const visible: Set<number>[] = [];
  let occlusions = 0;
  let wrongOwner = 0;
  const sil = new Uint8Array(W * H);

  beforeAll(() => {
    for (let f = 0; f < N; f++) {
      const ids = seq.render(f).instanceIds.slice();
      const here = new Set<number>();
      for (let p = 0; p < ids.length; p++) {
        const v = ids[p]!;
        if (v < 1000) continue;
        const a = owner.get(v);
        if (a === undefined) wrongOwner++;
        else here.add(a);
      }
      visible.push(here);
      for (const a of here) {
        seq.renderer.silhouette(seq.time(f), a, sil);
        const act = actors[a]!;
        for (let p = 0; p < sil.length; p++) {
          const v = ids[p]!;
          // Every pixel carrying this actor's id lies inside its silhouette (its id is its own).
          if ((v === act.inst || (act.inst2 !== 0 && v === act.inst2)) && !sil[p]) wrongOwner++;
          // Another actor's pixel inside this actor's silhouette: an occlusion.
          if (sil[p] && v >= 1000 && v !== act.inst && v !== act.inst2) occlusions++;
        }
      }
    }
  }, 120_000);

  it("gives every thing instance one id (labelId·1000 + k) for its whole life", () => {
    const values = actors.flatMap((x) => (x.inst2 ? [x.inst, x.inst2] : [x.inst]));
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect([24, 25, 26, 27, 28, 33]).toContain(Math.floor(v / 1000));
    expect(wrongOwner).toBe(0);
  });

  it("has at least one occlusion between things", () => {
    expect(occlusions).toBeGreaterThan(0);
  });

  it("has objects entering or leaving the view", () => {
    const first = visible[0]!;
    const last = visible[N - 1]!;
    const left = [...first].filter((a) => !last.has(a));
    const entered = [...last].filter((a) => !first.has(a));
    expect(left.length + entered.length).toBeGreaterThan(0);
  });
});
