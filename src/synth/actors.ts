import type { Rng } from "./rng.js";
import type { World } from "./world.js";

/**
 * Moving things: vehicles in lanes (both directions) and parked, pedestrians on the
 * sidewalks and on crosswalks, cyclists (a rider on a bicycle). Each actor owns one
 * Cityscapes instance k per class, fixed for the whole sequence (tracking ground truth).
 */
export type ActorKind = "car" | "truck" | "bus" | "person" | "cyclist";

export const LABEL = { person: 24, rider: 25, car: 26, truck: 27, bus: 28, bicycle: 33 } as const;

export interface Actor {
  readonly kind: ActorKind;
  /** Label of the main body (person 24, rider 25, car 26, truck 27, bus 28). */
  readonly label: number;
  /** Instance value of the main body: label·1000 + k. */
  readonly inst: number;
  /** Instance value of the bicycle of a cyclist (33·1000 + k), else 0. */
  readonly inst2: number;
  /** Path keyframes (t, s, d) flattened; the actor rests at the first/last key outside them. */
  readonly keys: readonly number[];
  /** Heading (rad from +s towards +d) used while the path does not move. */
  readonly heading0: number;
  readonly length: number;
  readonly width: number;
  readonly height: number;
  readonly color: number;
  readonly color2: number;
  readonly color3: number;
  readonly phase: number;
}

export interface ActorPose {
  s: number;
  d: number;
  cos: number;
  sin: number;
  /** Metres travelled since the first key (drives the walking cycle). */
  travel: number;
  moving: boolean;
}

export function newPose(): ActorPose {
  return { s: 0, d: 0, cos: 1, sin: 0, travel: 0, moving: false };
}

/** Position and heading of `a` at time t (written into `out`). */
export function actorPose(a: Actor, t: number, out: ActorPose): ActorPose {
  const k = a.keys;
  const n = k.length / 3;
  let j = 0;
  while (j < n - 2 && t > k[3 * (j + 1)]!) j++;
  const t0 = k[3 * j]!;
  const t1 = k[3 * j + 3] ?? t0;
  const s0 = k[3 * j + 1]!;
  const d0 = k[3 * j + 2]!;
  const s1 = k[3 * j + 4] ?? s0;
  const d1 = k[3 * j + 5] ?? d0;
  let u = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
  if (u < 0) u = 0;
  if (u > 1) u = 1;
  out.s = s0 + (s1 - s0) * u;
  out.d = d0 + (d1 - d0) * u;
  const ds = s1 - s0;
  const dd = d1 - d0;
  const len = Math.hypot(ds, dd);
  if (len > 1e-6) {
    out.cos = ds / len;
    out.sin = dd / len;
  } else {
    out.cos = Math.cos(a.heading0);
    out.sin = Math.sin(a.heading0);
  }
  let travel = 0;
  for (let i = 0; i < j; i++)
    travel += Math.hypot(k[3 * i + 4]! - k[3 * i + 1]!, k[3 * i + 5]! - k[3 * i + 2]!);
  out.travel = travel + len * u;
  out.moving = len > 1e-6 && u > 0 && u < 1;
  return out;
}

const CAR_COLORS = [
  0xe8e8e8, 0x1c1c1e, 0xa8acb0, 0x6c7074, 0x1f2f5a, 0x9a1c1c, 0x2f5fa0, 0xcbbd9a, 0x2e4a36, 0xd0d4d8,
  0x404448, 0x7a1f2a,
];
const BUS_COLORS = [0xe0c020, 0xf0f0f0, 0xb02020, 0x2060b0, 0x30a050];
const SHIRTS = [
  0x202830, 0x8c1c24, 0x1f4e8c, 0xd8d8d0, 0x3a6a3a, 0x6a4a8a, 0xc07030, 0x505458, 0xe0c040, 0x2a2a2a,
  0x7090b0, 0xa03060,
];
const TROUSERS = [0x1a1e2a, 0x2a3550, 0x3a3a3a, 0x5a4a3a, 0x101010, 0x6a6a70, 0x2c3a5a];
const SKIN = [0xe0b090, 0xc89070, 0x8a5a3a, 0xf0c8a8, 0x6a4028, 0xd8a080];

type Base = Omit<World, "actors">;

export function generateActors(rng: Rng, world: Base): Actor[] {
  const { road, duration: T, egoSpeed } = world;
  const sEnd = egoSpeed * T;
  const sMin = -60;
  const sMax = sEnd + 330;
  const counters = new Map<number, number>();
  const nextInst = (label: number): number => {
    const k = counters.get(label) ?? 0;
    if (k > 999) return -1;
    counters.set(label, k + 1);
    return label * 1000 + k;
  };
  const actors: Actor[] = [];
  const lw = road.laneWidth;

  const vehicle = (
    kind: "car" | "truck" | "bus",
    keys: number[],
    heading0: number,
    dims?: [number, number, number],
  ): void => {
    const label = LABEL[kind];
    const inst = nextInst(label);
    if (inst < 0) return;
    const [length, width, height] =
      dims ??
      (kind === "car"
        ? [rng.range(3.9, 4.8), rng.range(1.7, 1.9), rng.range(1.4, 1.6)]
        : kind === "truck"
          ? [rng.range(6, 8.5), 2.3, rng.range(2.8, 3.4)]
          : [rng.range(11, 12.5), 2.5, rng.range(3, 3.2)]);
    actors.push({
      kind,
      label,
      inst,
      inst2: 0,
      keys,
      heading0,
      length,
      width,
      height,
      color: kind === "bus" ? rng.pick(BUS_COLORS) : rng.pick(CAR_COLORS),
      color2: kind === "truck" ? rng.pick([0xe8e8e8, 0xd0d0c8, 0x9098a0, 0x506070]) : 0x1e2630,
      color3: 0,
      phase: rng.next(),
    });
  };
  const pickKind = (): "car" | "truck" | "bus" => {
    const r = rng.next();
    return r < 0.07 ? "bus" : r < 0.16 ? "truck" : "car";
  };
  const HALF_MAX = 6.5;

  // traffic in lanes: dir +1 (ego direction, d > 0) and −1 (oncoming, d < 0)
  const density = rng.range(0.5, 1.2);
  for (const dir of [1, -1]) {
    for (let lane = 0; lane < road.lanesPerDir; lane++) {
      const d = dir * (lane + 0.5) * lw;
      const placed: [number, number][] = [];
      const want = Math.round(((sMax - sMin) / 45) * density);
      for (let tries = 0; tries < want * 4 && placed.length < want; tries++) {
        const v = dir > 0 ? egoSpeed * rng.range(0.7, 1.35) : -rng.range(7, 14);
        const s0 = dir > 0 ? rng.range(sMin + 20, sMax) : rng.range(sMin + 20, sMax + 14 * T);
        const s1 = s0 + v * T;
        if (dir > 0 && lane === world.egoLane && (s0 < 10 + HALF_MAX || s1 - sEnd < 10 + HALF_MAX)) continue;
        if (
          placed.some(([a, b]) => Math.abs(a - s0) < 2 * HALF_MAX + 3 || Math.abs(b - s1) < 2 * HALF_MAX + 3)
        )
          continue;
        placed.push([s0, s1]);
        vehicle(pickKind(), [0, s0, d, T, s1, d], dir > 0 ? 0 : Math.PI);
      }
    }
  }
  // parked cars, not in front of crosswalks
  if (road.parking > 0) {
    for (const dir of [1, -1]) {
      const d = dir * (road.lanesPerDir * lw + road.parking / 2);
      for (let s = sMin + rng.range(0, 5); s < sMax;) {
        const kind = rng.chance(0.08) ? "truck" : "car";
        const dims: [number, number, number] =
          kind === "car"
            ? [rng.range(3.9, 4.8), rng.range(1.7, 1.85), rng.range(1.4, 1.6)]
            : [rng.range(5.5, 6.5), 2.1, 2.6];
        const c = s + dims[0] / 2;
        const clear = road.crosswalks.every((x) => Math.abs(x - c) > 7);
        if (clear && rng.chance(0.7)) {
          const dd = d + rng.range(-0.15, 0.15);
          vehicle(
            kind,
            [0, c, dd],
            dir > 0 ? rng.range(-0.03, 0.03) : Math.PI + rng.range(-0.03, 0.03),
            dims,
          );
        }
        s += dims[0] + rng.range(0.8, 4);
      }
    }
  }
  // pedestrians on the sidewalks
  const person = (keys: number[], heading0: number, kind: "person" | "cyclist" = "person"): void => {
    const label = kind === "person" ? LABEL.person : LABEL.rider;
    const inst = nextInst(label);
    if (inst < 0) return;
    let inst2 = 0;
    if (kind === "cyclist") {
      inst2 = nextInst(LABEL.bicycle);
      if (inst2 < 0) return;
    }
    actors.push({
      kind,
      label,
      inst,
      inst2,
      keys,
      heading0,
      length: kind === "person" ? 0.3 : 1.75,
      width: 0.5,
      height: rng.range(1.55, 1.9),
      color: rng.pick(SHIRTS),
      color2: rng.pick(TROUSERS),
      color3: rng.pick(SKIN),
      phase: rng.next(),
    });
  };
  const crowd = rng.range(5, 12);
  for (const sign of [1, -1]) {
    const side = road.sides[sign < 0 ? 0 : 1];
    for (let s = sMin + rng.range(0, crowd); s < sMax; s += rng.range(0.4, 1.6) * crowd) {
      const d = sign * (side.edges[2] + rng.range(0.4, side.sidewalk - 0.4));
      if (rng.chance(0.15)) {
        person([0, s, d], rng.range(0, 6.283));
      } else {
        const v = (rng.chance(0.5) ? 1 : -1) * rng.range(0.9, 1.7);
        person([0, s, d, T, s + v * T, d], v > 0 ? 0 : Math.PI);
      }
    }
  }
  // pedestrians crossing at crosswalks well ahead of the ego camera
  for (const sc of road.crosswalks) {
    if (sc < sEnd + 14 || sc > sEnd + 90) continue;
    const n = rng.int(1, 3);
    for (let i = 0; i < n; i++) {
      const from = rng.chance(0.5) ? 1 : -1;
      const sideA = road.sides[from < 0 ? 0 : 1];
      const sideB = road.sides[from < 0 ? 1 : 0];
      const dA = from * (sideA.edges[1] + 0.3);
      const dB = -from * (sideB.edges[2] + rng.range(0.5, 1.5));
      const s = sc + rng.range(-1.5, 1.5);
      const v = rng.range(1.1, 1.6);
      const tc = rng.range(-2, T * 0.7);
      const tArrive = tc + Math.abs(dB - dA) / v;
      const along = (rng.chance(0.5) ? 1 : -1) * 1.3 * 20;
      person([tc, s, dA, tArrive, s, dB, tArrive + 20, s + along, dB], from > 0 ? -Math.PI / 2 : Math.PI / 2);
    }
  }
  // cyclists at the right edge of the outer lanes
  if (rng.chance(0.7)) {
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) {
      const dir = rng.chance(0.6) ? 1 : -1;
      const d = dir * (road.lanesPerDir * lw - 0.7);
      const v = dir * rng.range(3.5, 6.5);
      const s0 = rng.range(dir > 0 ? 12 : sEnd + 20, sMax * 0.6);
      person([0, s0, d, T, s0 + v * T, d], dir > 0 ? 0 : Math.PI, "cyclist");
    }
  }
  return actors;
}
