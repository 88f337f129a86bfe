import { Rng } from "./rng.js";
import { generateActors, type Actor } from "./actors.js";

/**
 * The synthetic city for one sequence, generated from a seed with no I/O: road geometry,
 * static objects along it and moving actors with their paths. Road-frame coordinates:
 * `s` along the road, `d` to the right of the centreline, `h` up (metres).
 */
export interface RoadSide {
  /** Width of the grass strip between curb and sidewalk (0 = none). */
  readonly grass: number;
  readonly sidewalk: number;
  /** |d| where the road ends, the curb ends, the grass ends and the sidewalk ends. */
  readonly edges: readonly [number, number, number, number];
}

export interface Road {
  readonly lanesPerDir: number;
  readonly laneWidth: number;
  /** Parking strip width at each edge (0 = none). */
  readonly parking: number;
  readonly halfWidth: number;
  readonly curb: number;
  /** Index 0 = left (d < 0), 1 = right (d > 0). */
  readonly sides: readonly [RoadSide, RoadSide];
  /** Crosswalk centres (s). */
  readonly crosswalks: readonly number[];
  /** Curvature k(s) = k0 + k1·sin(s/len + phase) (1/m). */
  readonly k0: number;
  readonly k1: number;
  readonly kLen: number;
  readonly kPhase: number;
}

export type StaticKind = "building" | "tree" | "hedge" | "lamp" | "sign" | "light" | "wall" | "fence";

export interface StaticObject {
  readonly kind: StaticKind;
  /** Start and end along the road (for point objects both ≈ s). */
  readonly s0: number;
  readonly s1: number;
  /** Lateral position of the object's street-facing edge / centre. */
  readonly d: number;
  /** −1 left side, +1 right side. */
  readonly side: number;
  readonly height: number;
  readonly depth: number;
  readonly color: number;
  readonly color2: number;
  /** Free per-kind parameters (window grid, sign shape...). */
  readonly p: readonly number[];
}

export interface Look {
  /** Sky colours at the zenith and at the horizon. */
  readonly skyTop: number;
  readonly skyHorizon: number;
  readonly asphalt: number;
  readonly marking: number;
  readonly sidewalk: number;
  readonly curb: number;
  readonly grass: number;
  readonly fogDist: number;
  readonly sun: readonly [number, number, number];
}

export interface World {
  readonly seed: number;
  readonly duration: number;
  readonly egoSpeed: number;
  readonly egoLane: number;
  readonly cameraHeight: number;
  readonly pitch: number;
  readonly road: Road;
  /** Sorted by s0. */
  readonly statics: readonly StaticObject[];
  readonly actors: readonly Actor[];
  readonly look: Look;
}

export function curvatureAt(road: Road, s: number): number {
  return road.k0 + road.k1 * Math.sin(s / road.kLen + road.kPhase);
}

/** Ego position along the road at time t (s). */
export function egoS(world: World, t: number): number {
  return world.egoSpeed * t;
}

/** Ground label at lateral position d: road 7, sidewalk 8 (curb too), terrain 22. */
export function groundLabelAt(road: Road, d: number): number {
  const side = road.sides[d < 0 ? 0 : 1];
  const a = Math.abs(d);
  if (a < side.edges[0]) return 7;
  if (a < side.edges[1]) return 8;
  if (a < side.edges[2]) return 22;
  if (a < side.edges[3]) return 8;
  return 22;
}

const FACADES = [
  0xc8b89a, 0xd9d2c5, 0xa0a4a8, 0x9a5a44, 0xe0cfa0, 0x8a8f96, 0xb7a38a, 0xcfc8bb, 0x7d6f63, 0xe8e4dc,
];

export function generateWorld(seed: number, frames: number, fps: number): World {
  const rng = new Rng(seed);
  const duration = frames / fps;
  const egoSpeed = rng.range(6, 13);
  const lanesPerDir = rng.chance(0.35) ? 2 : 1;
  const laneWidth = rng.range(3.1, 3.6);
  const parking = rng.chance(0.75) ? 2.3 : 0;
  const halfWidth = lanesPerDir * laneWidth + parking;
  const curb = 0.25;
  const mkSide = (): RoadSide => {
    const grass = rng.chance(0.4) ? rng.range(1, 2.5) : 0;
    const sidewalk = rng.range(2.5, 5);
    const e0 = halfWidth;
    return { grass, sidewalk, edges: [e0, e0 + curb, e0 + curb + grass, e0 + curb + grass + sidewalk] };
  };
  const sides: [RoadSide, RoadSide] = [mkSide(), mkSide()];
  const sEnd = egoSpeed * duration;
  const sMin = -60;
  const sMax = sEnd + 340;
  const crosswalks: number[] = [];
  for (let s = rng.range(25, 70); s < sMax; s += rng.range(70, 160)) crosswalks.push(s);
  const road: Road = {
    lanesPerDir,
    laneWidth,
    parking,
    halfWidth,
    curb,
    sides,
    crosswalks,
    k0: rng.range(-0.004, 0.004),
    k1: rng.range(0, 0.004),
    kLen: rng.range(40, 120),
    kPhase: rng.range(0, 6.283),
  };
  const look = makeLook(rng);
  const statics: StaticObject[] = [];
  for (const sideSign of [-1, 1]) {
    const side = sides[sideSign < 0 ? 0 : 1];
    generateSide(rng.fork(sideSign + 7), road, side, sideSign, sMin, sMax, statics);
  }
  for (const sc of crosswalks) {
    // traffic lights on both sides facing approaching traffic, one of them overhead
    const over = rng.chance(0.5);
    statics.push(
      point("light", sc - 3, sides[1].edges[1] + 0.3, 1, 0x303030, 0x303030, [over ? 1 : 0, rng.int(0, 2)]),
    );
    statics.push(
      point("light", sc + 3, -(sides[0].edges[1] + 0.3), -1, 0x303030, 0x303030, [0, rng.int(0, 2)]),
    );
  }
  statics.sort((a, b) => a.s0 - b.s0 || a.d - b.d);
  const world0 = {
    seed,
    duration,
    egoSpeed,
    egoLane: lanesPerDir - 1,
    cameraHeight: rng.range(1.4, 1.6),
    pitch: rng.range(0.02, 0.05),
    road,
    statics,
    look,
  };
  const actors = generateActors(rng.fork(99), world0);
  return { ...world0, actors };
}

function point(
  kind: StaticKind,
  s: number,
  d: number,
  side: number,
  color: number,
  color2: number,
  p: number[],
  height = 0,
): StaticObject {
  return { kind, s0: s, s1: s, d, side, height, depth: 0, color, color2, p };
}

function generateSide(
  rng: Rng,
  road: Road,
  side: RoadSide,
  sign: number,
  sMin: number,
  sMax: number,
  out: StaticObject[],
): void {
  const front = side.edges[3];
  const treesOnSide = rng.chance(0.7);
  const treeD = side.grass > 0 ? side.edges[1] + side.grass / 2 : side.edges[1] + 0.9;
  const wallKind: StaticKind = rng.chance(0.5) ? "wall" : "fence";
  let s = sMin;
  while (s < sMax) {
    if (rng.chance(0.2)) {
      // a gap: park with trees and a hedge, wall or fence along the sidewalk
      const len = rng.range(8, 25);
      const r = rng.next();
      const barrier: StaticKind = r < 0.4 ? "hedge" : r < 0.75 ? wallKind : "hedge";
      const bh =
        barrier === "hedge"
          ? rng.range(0.8, 1.6)
          : barrier === "wall"
            ? rng.range(1.2, 2.4)
            : rng.range(1.1, 1.8);
      const bcol =
        barrier === "hedge"
          ? rng.pick([0x3d5a24, 0x4a6b2a, 0x35501f])
          : barrier === "wall"
            ? rng.pick([0x6f7566, 0x57534f, 0x7a4234]) // wall masonry: no facade colour (FACADES)
            : rng.pick([0x6b4f34, 0x4e5f3b, 0x8a6a44]); // fence boards: stained, painted, natural
      out.push({
        kind: barrier,
        s0: s,
        s1: s + len,
        d: sign * (front + 0.3),
        side: sign,
        height: bh,
        depth: 0.5,
        color: bcol,
        color2: bcol,
        p: [],
      });
      for (let ts = s + rng.range(2, 5); ts < s + len - 2; ts += rng.range(4, 8)) {
        out.push(treeAt(rng, ts, sign * (front + rng.range(3, 9)), sign));
      }
      s += len;
      continue;
    }
    const width = rng.range(8, 26);
    const tall = rng.chance(0.25);
    const floorH = rng.range(2.9, 3.5);
    const floors = tall ? rng.int(5, 9) : rng.int(2, 5);
    const height = floors * floorH + rng.range(0.5, 1.5);
    const cols = Math.max(2, Math.round(width / rng.range(2.4, 3.6)));
    const color = rng.pick(FACADES);
    const windowColor = rng.pick([0x2c3440, 0x3a4048, 0x283038, 0x4a5260]);
    out.push({
      kind: "building",
      s0: s,
      s1: s + width,
      d: sign * (front + rng.range(0, 0.4)),
      side: sign,
      height,
      depth: rng.range(10, 16),
      color,
      color2: windowColor,
      // floor height, floors, columns, window width fraction, window height fraction, shop ground floor
      p: [floorH, floors, cols, rng.range(0.4, 0.65), rng.range(0.45, 0.6), rng.chance(0.5) ? 1 : 0],
    });
    s += width + (rng.chance(0.3) ? rng.range(0.5, 3) : 0);
  }
  // street furniture
  if (treesOnSide) {
    for (let ts = sMin + rng.range(0, 8); ts < sMax; ts += rng.range(8, 16))
      out.push(treeAt(rng, ts, sign * treeD, sign));
  }
  const lampSpacing = rng.range(24, 36);
  for (let ls = sMin + rng.range(0, lampSpacing); ls < sMax; ls += lampSpacing) {
    out.push(
      point(
        "lamp",
        ls,
        sign * (side.edges[1] + 0.35),
        sign,
        rng.pick([0x6a6e72, 0x3c4044, 0x5a5a50]),
        0xeeeedd,
        [rng.range(6, 8.5)],
      ),
    );
  }
  for (let ss = sMin + rng.range(5, 30); ss < sMax; ss += rng.range(20, 55)) {
    // sign shapes: 0 round (red ring), 1 triangle, 2 blue square, 3 blue round
    out.push(
      point("sign", ss, sign * (side.edges[1] + 0.4), sign, 0x707478, 0, [
        rng.int(0, 3),
        rng.range(2.1, 2.8),
      ]),
    );
  }
}

function treeAt(rng: Rng, s: number, d: number, side: number): StaticObject {
  return {
    kind: "tree",
    s0: s,
    s1: s,
    d,
    side,
    height: rng.range(4, 9),
    depth: rng.range(1.4, 2.6),
    color: rng.pick([0x4f6b2c, 0x5a7a30, 0x3f5f28, 0x6b8a3a, 0x48662e]),
    color2: rng.pick([0x5a4632, 0x4a3b2c, 0x665040]),
    p: [rng.next(), rng.next()],
  };
}

function makeLook(rng: Rng): Look {
  const r = rng.next();
  // clear day, overcast, warm evening
  if (r < 0.5) {
    return {
      skyTop: 0x5b8ed0,
      skyHorizon: 0xc4d8ea,
      asphalt: rng.pick([0x5f6064, 0x6a6a6e, 0x57585c]),
      marking: 0xe8e8e4,
      sidewalk: rng.pick([0xa8a29a, 0xb4aea4, 0x9c9a98]),
      curb: 0xbcbcb8,
      grass: rng.pick([0x6f8f3a, 0x7a9a40, 0x66873a]),
      fogDist: rng.range(250, 450),
      sun: [rng.range(-0.6, 0.6), rng.pick([-0.6, 0.6]), 0.7],
    };
  }
  if (r < 0.8) {
    return {
      skyTop: 0x9aa4ae,
      skyHorizon: 0xcfd3d6,
      asphalt: rng.pick([0x626366, 0x5a5b5e]),
      marking: 0xdcdcd8,
      sidewalk: rng.pick([0x9c9892, 0xa8a49c]),
      curb: 0xb0b0ac,
      grass: rng.pick([0x647f3a, 0x5c7836]),
      fogDist: rng.range(160, 280),
      sun: [0, 0, 1],
    };
  }
  return {
    skyTop: 0x6a7fb0,
    skyHorizon: 0xf0c090,
    asphalt: rng.pick([0x5c5a5a, 0x66605c]),
    marking: 0xeee6d8,
    sidewalk: rng.pick([0xaa9e90, 0xb0a290]),
    curb: 0xc0b4a4,
    grass: rng.pick([0x71873a, 0x6a8036]),
    fogDist: rng.range(200, 350),
    sun: [rng.range(-0.3, 0.3), rng.pick([-0.85, 0.85]), 0.35],
  };
}
