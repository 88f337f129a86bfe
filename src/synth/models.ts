import type { Actor, ActorPose } from "./actors.js";
import { LABEL } from "./actors.js";
import { BOTH, FRONT, scaleColor, type Painter } from "./painter.js";
import type { Road, StaticObject } from "./world.js";
import { groundLabelAt } from "./world.js";

/**
 * How each kind of object is built from boxes and panels. Things get consistent
 * structure (vehicles: body, cabin with dark glass, wheels, lights; people: legs, torso,
 * arms, head) with varied colours, so that a network can learn the classes.
 */
const BUILDING = 11;
const WALL = 12;
const FENCE = 13;
const POLE = 17;
const LIGHT = 19;
const SIGN = 20;
const VEGETATION = 21;

function hash01(a: number, b: number, c: number): number {
  let h = Math.imul((a * 73856093) ^ (b * 19349663) ^ (c * 83492791), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

export function drawStatic(p: Painter, o: StaticObject, sCam: number, lit: boolean): void {
  switch (o.kind) {
    case "building":
      return drawBuilding(p, o, sCam, lit);
    case "tree":
      return drawTree(p, o);
    case "hedge":
      p.label = p.inst = VEGETATION;
      p.box(
        (o.s0 + o.s1) / 2,
        o.d,
        1,
        0,
        (o.s1 - o.s0) / 2,
        0.4,
        0,
        o.height,
        o.color,
        scaleColor(o.color, 1.1),
      );
      return;
    case "wall":
      return drawWall(p, o);
    case "fence":
      return drawFence(p, o);
    case "lamp":
      return drawLamp(p, o);
    case "sign":
      return drawSign(p, o);
    case "light":
      return drawLight(p, o);
  }
}

function drawBuilding(p: Painter, o: StaticObject, sCam: number, lit: boolean): void {
  p.label = p.inst = BUILDING;
  const side = o.side;
  const hl = (o.s1 - o.s0) / 2;
  const sc = o.s0 + hl;
  const dc = o.d + (side * o.depth) / 2;
  const roof = scaleColor(o.color, 0.7);
  const drawn = p.box(sc, dc, 1, 0, hl, o.depth / 2, 0, o.height, o.color, roof);
  // cornice
  p.box(sc, o.d + side * 0.5, 1, 0, hl + 0.15, 0.8, o.height - 0.35, o.height, scaleColor(o.color, 0.85));
  const facadeDrawn = side < 0 ? (drawn & 4) !== 0 : (drawn & 8) !== 0;
  if (!facadeDrawn || o.s0 - sCam > 170) return;
  const [floorH = 3, floors = 3, cols = 4, wf = 0.5, hf = 0.5, shop = 0] = o.p;
  const d = o.d - side * 0.05;
  const facing = -side;
  const colW = (o.s1 - o.s0) / cols;
  const seed = Math.round(o.s0 * 10);
  // ground floor: shop windows or a door and windows
  for (let c = 0; c < cols; c++) {
    const s0 = o.s0 + c * colW;
    const r = hash01(seed, 0, c);
    if (shop > 0) {
      const col = lit && r < 0.6 ? 0xd8c890 : scaleColor(o.color2, 0.8 + 0.4 * r);
      p.panelD(d, s0 + colW * 0.08, s0 + colW * 0.92, 0.3, floorH * 0.8, col, facing);
    } else if (r < 0.2) {
      p.panelD(d, s0 + colW * 0.3, s0 + colW * 0.7, 0, floorH * 0.75, 0x4a3628, facing);
    } else {
      p.panelD(
        d,
        s0 + colW * (0.5 - wf / 2),
        s0 + colW * (0.5 + wf / 2),
        floorH * 0.3,
        floorH * 0.8,
        o.color2,
        facing,
      );
    }
  }
  const wh = floorH * hf;
  for (let f = 1; f < floors; f++) {
    const h0 = f * floorH + floorH * 0.25;
    for (let c = 0; c < cols; c++) {
      const s0 = o.s0 + c * colW + colW * (0.5 - wf / 2);
      const r = hash01(seed, f, c);
      const col = lit && r < 0.25 ? 0xe0c880 : scaleColor(o.color2, 0.75 + 0.5 * r);
      p.panelD(d, s0, s0 + colW * wf, h0, h0 + wh, col, facing);
    }
  }
}

function drawTree(p: Painter, o: StaticObject): void {
  p.label = p.inst = VEGETATION;
  const h = o.height;
  const r = o.depth;
  p.box(o.s0, o.d, 1, 0, 0.14, 0.14, 0, h * 0.55, o.color2);
  const [j1 = 0.5, j2 = 0.5] = o.p;
  const hc = h - r * 0.9;
  // crown: overlapping discs of varied shade, nearer discs drawn over farther ones
  p.disc(o.s0 + 0.3, o.d, hc, r, r * 0.95, 9, scaleColor(o.color, 0.8), -1, BOTH);
  p.disc(
    o.s0 + 0.1,
    o.d - r * 0.45,
    hc + r * 0.35 * j1,
    r * 0.7,
    r * 0.65,
    8,
    scaleColor(o.color, 1.05),
    -1,
    BOTH,
  );
  p.disc(o.s0, o.d + r * 0.5, hc + r * 0.2 * j2, r * 0.65, r * 0.7, 8, scaleColor(o.color, 0.95), -1, BOTH);
  p.disc(
    o.s0 - 0.1,
    o.d + r * 0.1 * (j1 - 0.5),
    hc - r * 0.35,
    r * 0.7,
    r * 0.55,
    8,
    scaleColor(o.color, 0.85),
    -1,
    BOTH,
  );
  p.disc(o.s0 - 0.2, o.d - r * 0.2, hc + r * 0.55, r * 0.5, r * 0.45, 7, scaleColor(o.color, 1.2), -1, BOTH);
}

/**
 * A free-standing wall: masonry in its own palette (not a facade colour), a lighter coping cap
 * and darker expansion joints every 3 m, so that it reads as a wall in front of a facade and
 * not as the facade's lower storey.
 */
function drawWall(p: Painter, o: StaticObject): void {
  p.label = p.inst = WALL;
  const hl = (o.s1 - o.s0) / 2;
  const sc = o.s0 + hl;
  const cap = Math.min(0.15, o.height * 0.1);
  p.box(sc, o.d, 1, 0, hl, 0.15, 0, o.height - cap, o.color);
  p.box(sc, o.d, 1, 0, hl + 0.05, 0.2, o.height - cap, o.height, scaleColor(o.color, 1.3));
  const joint = scaleColor(o.color, 0.7);
  for (let s = o.s0 + 3; s < o.s1 - 0.5; s += 3) p.box(s, o.d, 1, 0, 0.03, 0.16, 0, o.height - cap, joint);
}

/**
 * A board fence: a panel of boards (its colour), a darker top rail, and posts every 1.25 m
 * standing out on both sides — a surface wide enough to be seen at a distance, where rails
 * of a few centimetres vanish below a pixel.
 */
function drawFence(p: Painter, o: StaticObject): void {
  p.label = p.inst = FENCE;
  const hl = (o.s1 - o.s0) / 2;
  const sc = o.s0 + hl;
  const dark = scaleColor(o.color, 0.65);
  p.box(sc, o.d, 1, 0, hl, 0.025, 0.08, o.height * 0.9, o.color);
  p.box(sc, o.d, 1, 0, hl, 0.05, o.height * 0.9, o.height, dark);
  for (let s = o.s0; s <= o.s1; s += 1.25) p.box(s, o.d, 1, 0, 0.05, 0.06, 0, o.height, dark);
}

function drawLamp(p: Painter, o: StaticObject): void {
  p.label = p.inst = POLE;
  const h = o.p[0] ?? 7;
  const toRoad = -o.side;
  p.box(o.s0, o.d, 1, 0, 0.09, 0.09, 0, h, o.color);
  p.box(o.s0, o.d + toRoad * 0.8, 1, 0, 0.05, 0.8, h - 0.12, h, o.color);
  p.box(o.s0, o.d + toRoad * 1.5, 1, 0, 0.22, 0.32, h - 0.22, h - 0.02, o.color, o.color, o.color);
  p.box(o.s0, o.d + toRoad * 1.5, 1, 0, 0.16, 0.24, h - 0.25, h - 0.2, o.color2);
}

function drawSign(p: Painter, o: StaticObject): void {
  const shape = o.p[0] ?? 0;
  const h = o.p[1] ?? 2.4;
  p.label = p.inst = POLE;
  p.box(o.s0, o.d, 1, 0, 0.04, 0.04, 0, h + 0.3, o.color);
  p.label = p.inst = SIGN;
  const s = o.s0 - 0.06;
  const hc = h + 0.3;
  // back of the plate
  p.disc(o.s0 - 0.05, o.d, hc, 0.36, 0.36, shape === 1 ? 3 : shape === 2 ? 4 : 10, 0x8c9094, 1);
  if (shape === 0) {
    p.disc(s, o.d, hc, 0.36, 0.36, 12, 0xc8202a, -1);
    p.disc(s - 0.01, o.d, hc, 0.27, 0.27, 12, 0xf0f0f0, -1);
  } else if (shape === 1) {
    triangle(p, s, o.d, hc, 0.42, 0xc8202a);
    triangle(p, s - 0.01, o.d, hc - 0.03, 0.3, 0xf0f0f0);
  } else if (shape === 2) {
    p.panelS(s, o.d - 0.3, o.d + 0.3, hc - 0.3, hc + 0.3, 0x1e58b4, -1);
    p.panelS(s - 0.01, o.d - 0.06, o.d + 0.06, hc - 0.2, hc + 0.2, 0xf0f0f0, -1);
  } else {
    p.disc(s, o.d, hc, 0.34, 0.34, 12, 0x1e58b4, -1);
    p.disc(s - 0.01, o.d, hc, 0.12, 0.12, 8, 0xf0f0f0, -1);
  }
}

function triangle(p: Painter, s: number, d: number, h: number, r: number, color: number): void {
  p.begin();
  p.vert(s, d - r, h - r * 0.55);
  p.vert(s, d, h + r * 0.75);
  p.vert(s, d + r, h - r * 0.55);
  p.end(color, FRONT);
}

function drawLight(p: Painter, o: StaticObject): void {
  const overhead = (o.p[0] ?? 0) > 0;
  const state = o.p[1] ?? 0;
  const toRoad = -o.side;
  p.label = p.inst = POLE;
  const h = overhead ? 5.6 : 2.4;
  p.box(o.s0, o.d, 1, 0, 0.08, 0.08, 0, h + (overhead ? 0 : 1.1), 0x3a3c3e);
  let d = o.d;
  let h0 = h;
  if (overhead) {
    const reach = 3.5;
    p.box(o.s0, o.d + (toRoad * reach) / 2, 1, 0, 0.06, reach / 2, h - 0.12, h, 0x3a3c3e);
    d = o.d + toRoad * reach;
    h0 = h - 1.05;
  }
  p.label = p.inst = LIGHT;
  p.box(o.s0, d, 1, 0, 0.12, 0.17, h0, h0 + 1.0, 0x2a2c2e);
  const colors = [0x5a1010, 0x5a4a10, 0x104a20];
  const bright = [0xff3020, 0xffb020, 0x30e070];
  for (let i = 0; i < 3; i++) {
    const c = i === state ? bright[i]! : colors[i]!;
    p.disc(o.s0 - 0.13, d, h0 + 0.82 - i * 0.32, 0.1, 0.1, 8, c, -1);
  }
}

// ---- actors ----------------------------------------------------------------

/** Draws actor `a` at `pose`; the road is needed for the ground label of its shadow. */
export function drawActor(p: Painter, a: Actor, pose: ActorPose, road: Road): void {
  switch (a.kind) {
    case "car":
    case "truck":
    case "bus":
      return drawVehicle(p, a, pose, road);
    case "person":
      return drawPerson(p, a, pose, road);
    case "cyclist":
      return drawCyclist(p, a, pose, road);
  }
}

/** Box helper in the actor's frame: along/across offsets from its centre. */
function part(
  p: Painter,
  q: ActorPose,
  along: number,
  across: number,
  hl: number,
  hw: number,
  h0: number,
  h1: number,
  side: number,
  top = side,
  front = side,
  back = front,
): number {
  const s = q.s + along * q.cos - across * q.sin;
  const d = q.d + along * q.sin + across * q.cos;
  return p.box(s, d, q.cos, q.sin, hl, hw, h0, h1, side, top, front, back);
}

function shadow(p: Painter, q: ActorPose, hl: number, hw: number, road: Road): void {
  const g = groundLabelAt(road, q.d);
  p.label = p.inst = g;
  const c = g === 7 ? 0x2a2a2c : 0x4a4844;
  const fs = q.cos * hl;
  const fd = q.sin * hl;
  const rs = -q.sin * hw;
  const rd = q.cos * hw;
  const h = 0.01;
  p.quad(
    q.s - fs - rs,
    q.d - fd - rd,
    h,
    q.s + fs - rs,
    q.d + fd - rd,
    h,
    q.s + fs + rs,
    q.d + fd + rd,
    h,
    q.s - fs + rs,
    q.d - fd + rd,
    h,
    c,
    FRONT,
  );
}

function drawVehicle(p: Painter, a: Actor, q: ActorPose, road: Road): void {
  const L = a.length;
  const W = a.width;
  const H = a.height;
  shadow(p, q, L / 2 + 0.1, W / 2 + 0.1, road);
  p.label = a.label;
  p.inst = a.inst;
  const glass = a.color2;
  const tire = 0x161616;
  const rW = a.kind === "car" ? 0.33 : 0.5;
  const axle = L / 2 - (a.kind === "car" ? 0.8 : 1.3);
  for (const al of [axle, -axle]) {
    for (const ac of [W / 2 - 0.12, -(W / 2 - 0.12)]) part(p, q, al, ac, rW, 0.14, 0, 2 * rW, tire);
  }
  if (a.kind === "car") {
    const hb = 0.28 + (H - 0.28) * 0.5;
    part(p, q, 0, 0, L / 2, W / 2, 0.3, hb, a.color);
    part(p, q, -0.08 * L, 0, 0.27 * L, W / 2 - 0.1, hb, H, glass, a.color, glass, glass);
    // pillars between windows
    part(p, q, -0.08 * L, 0, 0.03, W / 2 - 0.09, hb, H - 0.02, a.color);
    for (const ac of [W / 2 - 0.28, -(W / 2 - 0.28)]) {
      part(p, q, L / 2 - 0.02, ac, 0.03, 0.18, hb - 0.2, hb - 0.07, 0xf0ecd8);
      part(p, q, -L / 2 + 0.02, ac, 0.03, 0.17, hb - 0.22, hb - 0.08, 0xb01818);
    }
    part(p, q, -L / 2 + 0.02, 0, 0.03, 0.25, 0.42, 0.55, 0xe0e0d8); // plate
    return;
  }
  if (a.kind === "bus") {
    part(p, q, 0, 0, L / 2, W / 2, 0.35, H, a.color, scaleColor(a.color, 0.9));
    part(p, q, 0.2, 0, L / 2 - 0.1, W / 2 + 0.02, 1.25, H - 0.55, glass);
    part(p, q, L / 2 - 0.05, 0, 0.07, W / 2 - 0.1, 0.9, H - 0.45, glass);
    for (const ac of [W / 2 - 0.3, -(W / 2 - 0.3)]) {
      part(p, q, L / 2 + 0.01, ac, 0.03, 0.15, 0.6, 0.75, 0xf0ecd8);
      part(p, q, -L / 2 - 0.01, ac, 0.03, 0.14, 0.6, 0.85, 0xb01818);
    }
    return;
  }
  // truck: cab at the front, cargo box behind
  const cabL = 1.9;
  part(p, q, L / 2 - cabL / 2, 0, cabL / 2, W / 2 - 0.05, 0.45, H * 0.78, a.color);
  part(p, q, L / 2 - cabL / 2 + 0.1, 0, cabL / 2 - 0.05, W / 2 - 0.03, H * 0.48, H * 0.72, glass, a.color);
  part(p, q, -cabL / 2 - 0.1, 0, (L - cabL) / 2 - 0.05, W / 2, 0.6, H, a.color2, scaleColor(a.color2, 0.95));
  for (const ac of [W / 2 - 0.3, -(W / 2 - 0.3)]) {
    part(p, q, L / 2 + 0.01, ac, 0.03, 0.16, 0.6, 0.75, 0xf0ecd8);
    part(p, q, -L / 2 + 0.02, ac, 0.03, 0.14, 0.7, 0.85, 0xb01818);
  }
}

function drawPerson(p: Painter, a: Actor, q: ActorPose, road: Road): void {
  shadow(p, q, 0.28, 0.3, road);
  p.label = a.label;
  p.inst = a.inst;
  const H = a.height;
  const swing = q.moving ? Math.sin(a.phase * 6.283 + q.travel * 4.2) : 0;
  const hip = 0.48 * H;
  const shoulder = 0.82 * H;
  // legs (swing along the heading)
  part(p, q, 0.16 * swing, -0.1, 0.08, 0.075, 0, hip, a.color2);
  part(p, q, -0.16 * swing, 0.1, 0.08, 0.075, 0, hip, a.color2);
  part(p, q, 0.16 * swing + 0.04, -0.1, 0.12, 0.08, 0, 0.07, 0x202020);
  part(p, q, -0.16 * swing + 0.04, 0.1, 0.12, 0.08, 0, 0.07, 0x202020);
  // torso and arms
  part(p, q, 0, 0, 0.12, 0.2, hip - 0.05, shoulder, a.color);
  part(p, q, -0.12 * swing, -0.26, 0.06, 0.055, hip - 0.02, shoulder - 0.02, scaleColor(a.color, 0.9));
  part(p, q, 0.12 * swing, 0.26, 0.06, 0.055, hip - 0.02, shoulder - 0.02, scaleColor(a.color, 0.9));
  part(p, q, -0.12 * swing, -0.26, 0.05, 0.045, hip - 0.1, hip - 0.02, a.color3);
  part(p, q, 0.12 * swing, 0.26, 0.05, 0.045, hip - 0.1, hip - 0.02, a.color3);
  // neck, head, hair
  part(p, q, 0, 0, 0.05, 0.05, shoulder, shoulder + 0.05 * H, a.color3);
  part(p, q, 0.01, 0, 0.1, 0.085, shoulder + 0.04 * H, H - 0.02, a.color3);
  part(p, q, -0.015, 0, 0.1, 0.09, H - 0.07, H, a.phase < 0.5 ? 0x2a2018 : 0x6a5030);
}

function drawCyclist(p: Painter, a: Actor, q: ActorPose, road: Road): void {
  shadow(p, q, 0.9, 0.3, road);
  // bicycle: its own instance of class bicycle
  p.label = LABEL.bicycle;
  p.inst = a.inst2;
  const frame = scaleColor(a.color, 0.8);
  const rw = 0.34;
  for (const al of [0.55, -0.55]) {
    wheel(p, q, al, rw, 0x181818);
    part(p, q, al, 0, 0.05, 0.02, 0, 2 * rw, 0x181818);
  }
  part(p, q, 0, 0, 0.45, 0.025, 0.62, 0.67, frame);
  part(p, q, 0.2, 0, 0.03, 0.025, 0.34, 0.65, frame);
  part(p, q, -0.2, 0, 0.03, 0.025, 0.34, 0.8, frame);
  part(p, q, 0.5, 0, 0.03, 0.025, 0.34, 1.0, frame);
  part(p, q, 0.5, 0, 0.03, 0.28, 0.98, 1.02, 0x202020);
  part(p, q, -0.22, 0, 0.1, 0.05, 0.8, 0.85, 0x202020);
  // rider
  p.label = a.label;
  p.inst = a.inst;
  const H = a.height;
  const pedal = q.moving ? Math.sin(a.phase * 6.283 + q.travel * 2) : 0;
  part(p, q, -0.1, -0.1, 0.16, 0.075, 0.45 + 0.12 * pedal, 0.9, a.color2);
  part(p, q, -0.1, 0.1, 0.16, 0.075, 0.45 - 0.12 * pedal, 0.9, a.color2);
  part(p, q, -0.05, 0, 0.16, 0.2, 0.85, 0.85 + 0.33 * H, a.color);
  part(p, q, 0.2, -0.22, 0.26, 0.05, 0.95 + 0.2 * H, 0.95 + 0.24 * H, scaleColor(a.color, 0.9));
  part(p, q, 0.2, 0.22, 0.26, 0.05, 0.95 + 0.2 * H, 0.95 + 0.24 * H, scaleColor(a.color, 0.9));
  const neck = 0.85 + 0.33 * H;
  part(p, q, 0.05, 0, 0.1, 0.085, neck + 0.03, neck + 0.25, a.color3);
  part(p, q, 0.03, 0, 0.13, 0.11, neck + 0.21, neck + 0.3, a.phase < 0.5 ? 0xd0d0d0 : 0x303840);
}

/** A wheel as a ring of 8 quads in the bicycle's vertical plane (seen from both sides). */
function wheel(p: Painter, q: ActorPose, along: number, r: number, color: number): void {
  const r2 = r - 0.05;
  for (let i = 0; i < 8; i++) {
    const a0 = (i * Math.PI) / 4;
    const a1 = ((i + 1) * Math.PI) / 4;
    const x0 = along + r * Math.cos(a0);
    const x1 = along + r * Math.cos(a1);
    const ix0 = along + r2 * Math.cos(a0);
    const ix1 = along + r2 * Math.cos(a1);
    p.begin();
    p.vert(q.s + x0 * q.cos, q.d + x0 * q.sin, r + r * Math.sin(a0));
    p.vert(q.s + x1 * q.cos, q.d + x1 * q.sin, r + r * Math.sin(a1));
    p.vert(q.s + ix1 * q.cos, q.d + ix1 * q.sin, r + r2 * Math.sin(a1));
    p.vert(q.s + ix0 * q.cos, q.d + ix0 * q.sin, r + r2 * Math.sin(a0));
    p.end(color, BOTH);
  }
}
