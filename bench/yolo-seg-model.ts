/**
 * A YOLOv8n-seg-sized model for the inference bench's yolo-seg row, generated at run time (no
 * committed weights, no download): the layers of Ultralytics' yolov8-seg.yaml at scale n (depth
 * 0.33, width 0.25) — Conv+SiLU (BatchNorm folded), C2f, SPPF, the FPN/PAN neck, the Segment head
 * (DFL box decode, sigmoid class scores for 80 COCO classes, 32 mask coefficients) and the Proto
 * module — at 640×640 with seeded random weights, so `session.run` costs what a real YOLOv8n-seg
 * costs. Random weights give meaningless detections, so the exported outputs are
 *   output0 = 0 · head + planted   [1, 116, 8400]      output1 = 0 · proto + planted   [1, 32, 160, 160]
 * (ORT does not fold x·0, so the whole network still runs): `planted` holds `objects` boxes on
 * the stride-8 anchors of a 2:1 frame letterboxed into 640×640 (COCO classes that map to
 * Cityscapes), each with two near-duplicates one cell away for NMS to suppress, random mask
 * coefficients and smooth random prototypes — the decode sees what a busy street scene gives it.
 */
import { writeOnnx, type OnnxInit, type OnnxNode } from "./onnx-writer.js";

const NC = 80;
const NM = 32;
const REG_MAX = 16;
const SIZE = 640;
const STRIDES = [8, 16, 32] as const;
/** COCO class index → Cityscapes labelId for the classes a street scene has (specs/04). */
export const YOLO_BENCH_LABELS = [
  { index: 0, labelId: 24, name: "person", color: [220, 20, 60] },
  { index: 1, labelId: 33, name: "bicycle", color: [119, 11, 32] },
  { index: 2, labelId: 26, name: "car", color: [0, 0, 142] },
  { index: 3, labelId: 32, name: "motorcycle", color: [0, 0, 230] },
  { index: 5, labelId: 28, name: "bus", color: [0, 60, 100] },
  { index: 6, labelId: 31, name: "train", color: [0, 80, 100] },
  { index: 7, labelId: 27, name: "truck", color: [0, 0, 70] },
];

/** mulberry32 + Box–Muller: reproducible weights. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

class Graph {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxInit[] = [];
  private n = 0;
  constructor(private readonly randn: () => number) {}
  private fresh(p: string): string {
    return `${p}${this.n++}`;
  }
  node(op: string, inputs: string[], attrs: OnnxNode["attrs"] = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()));
    this.nodes.push({ op, inputs, outputs: outs, attrs });
    return outs;
  }
  one(op: string, inputs: string[], attrs: OnnxNode["attrs"] = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }
  init(dims: number[], data: Float32Array | BigInt64Array): string {
    const name = this.fresh("w");
    this.inits.push({ name, dims, data });
    return name;
  }
  ints(xs: number[]): string {
    return this.init(
      [xs.length],
      BigInt64Array.from(xs, (x) => BigInt(x)),
    );
  }
  /** Conv2d (bias = folded BatchNorm) + optional SiLU, He-initialised. */
  conv(x: string, cin: number, cout: number, k: number, s = 1, act = true): string {
    const w = new Float32Array(cout * cin * k * k);
    const sd = Math.sqrt(2 / (cin * k * k));
    for (let i = 0; i < w.length; i++) w[i] = this.randn() * sd;
    const b = new Float32Array(cout).map(() => this.randn() * 0.05);
    const p = k >> 1;
    const y = this.one("Conv", [x, this.init([cout, cin, k, k], w), this.init([cout], b)], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [p, p, p, p],
    });
    return act ? this.one("Mul", [y, this.one("Sigmoid", [y])]) : y;
  }
  c2f(x: string, c1: number, c2: number, n: number, shortcut: boolean): string {
    const c = c2 / 2;
    const [a, b] = this.node("Split", [this.conv(x, c1, 2 * c, 1), this.ints([c, c])], { axis: 1 }, 2) as [
      string,
      string,
    ];
    const ys = [a, b];
    let y = b;
    for (let i = 0; i < n; i++) {
      const z = this.conv(this.conv(y, c, c, 3), c, c, 3);
      y = shortcut ? this.one("Add", [y, z]) : z;
      ys.push(y);
    }
    return this.conv(this.one("Concat", ys, { axis: 1 }), (2 + n) * c, c2, 1);
  }
  sppf(x: string, c1: number, c2: number): string {
    const c = c1 / 2;
    const y0 = this.conv(x, c1, c, 1);
    const pool = (v: string) =>
      this.one("MaxPool", [v], { kernel_shape: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] });
    const y1 = pool(y0);
    const y2 = pool(y1);
    const y3 = pool(y2);
    return this.conv(this.one("Concat", [y0, y1, y2, y3], { axis: 1 }), 4 * c, c2, 1);
  }
  up(x: string): string {
    return this.one("Resize", [x, "", this.init([4], Float32Array.from([1, 1, 2, 2]))]);
  }
}

/** Boxes, scores and coefficients planted on the stride-8 anchors; smooth random prototypes. */
function planted(objects: number, randn: () => number): { out0: Float32Array; proto: Float32Array } {
  const grid = STRIDES.map((s) => SIZE / s);
  const A = grid.reduce((a, g) => a + g * g, 0);
  const rows = 4 + NC + NM;
  const out0 = new Float32Array(rows * A);
  out0.fill(0.002, 4 * A, (4 + NC) * A); // background class scores
  const u = (lo: number, hi: number) => lo + (hi - lo) * (0.5 + 0.5 * Math.tanh(randn()));
  const taken = new Uint8Array(A);
  const g0 = grid[0]!;
  const classes = YOLO_BENCH_LABELS.map((l) => l.index);
  // A 2:1 frame letterboxed into 640×640 fills rows 160..480.
  for (let o = 0; o < objects; o++) {
    const w = u(8, 110);
    const h = u(12, 130);
    const cx = u(w / 2 + 2, SIZE - w / 2 - 2);
    const cy = u(160 + h / 2, 480 - h / 2);
    let a = Math.floor(cy / 8) * g0 + Math.floor(cx / 8);
    while (taken[a] === 1 || taken[a + 1] === 1 || taken[a + g0] === 1) a = (a + 2) % (g0 * (g0 - 1));
    const cls = classes[o % classes.length]!;
    const score = u(0.35, 0.95);
    const coeffs = Array.from({ length: NM }, () => randn());
    [a, a + 1, a + g0].forEach((anchor, dup) => {
      taken[anchor] = 1;
      const shift = dup === 0 ? 0 : 0.04 * Math.min(w, h); // near-duplicates: IoU > 0.85 with the original
      out0[anchor] = cx + shift;
      out0[A + anchor] = cy + (dup === 2 ? shift : 0);
      out0[2 * A + anchor] = w;
      out0[3 * A + anchor] = h;
      out0[(4 + cls) * A + anchor] = dup === 0 ? score : score * 0.9;
      for (let i = 0; i < NM; i++) out0[(4 + NC + i) * A + anchor] = coeffs[i]! * (dup === 0 ? 1 : 0.95);
    });
  }
  const pm = SIZE / 4;
  const proto = new Float32Array(NM * pm * pm);
  for (let k = 0; k < NM; k++) {
    const [fx, fy, ph, amp] = [u(0.02, 0.3), u(0.02, 0.3), u(0, 6.28), u(0.5, 2)];
    for (let y = 0; y < pm; y++)
      for (let x = 0; x < pm; x++)
        proto[(k * pm + y) * pm + x] = Math.max(-0.28, amp * Math.sin(fx * x + fy * y + ph));
  }
  return { out0, proto };
}

/** The model's ONNX bytes (input `images` [1,3,640,640]; outputs `output0`, `output1`). */
export function yoloSegBenchModel(objects = 100, seed = 8): Uint8Array {
  const randn = gaussian(seed);
  const g = new Graph(randn);
  // backbone (channels 16/32/64/128/256, C2f depths 1/2/2/1)
  const p1 = g.conv("images", 3, 16, 3, 2);
  const p2 = g.c2f(g.conv(p1, 16, 32, 3, 2), 32, 32, 1, true);
  const p3 = g.c2f(g.conv(p2, 32, 64, 3, 2), 64, 64, 2, true);
  const p4 = g.c2f(g.conv(p3, 64, 128, 3, 2), 128, 128, 2, true);
  const p5 = g.sppf(g.c2f(g.conv(p4, 128, 256, 3, 2), 256, 256, 1, true), 256, 256);
  // neck
  const h12 = g.c2f(g.one("Concat", [g.up(p5), p4], { axis: 1 }), 384, 128, 1, false);
  const n3 = g.c2f(g.one("Concat", [g.up(h12), p3], { axis: 1 }), 192, 64, 1, false);
  const n4 = g.c2f(g.one("Concat", [g.conv(n3, 64, 64, 3, 2), h12], { axis: 1 }), 192, 128, 1, false);
  const n5 = g.c2f(g.one("Concat", [g.conv(n4, 128, 128, 3, 2), p5], { axis: 1 }), 384, 256, 1, false);
  // Segment head
  const levels = [
    { x: n3, c: 64 },
    { x: n4, c: 128 },
    { x: n5, c: 256 },
  ];
  const c2 = 64;
  const c3 = Math.max(64, Math.min(NC, 100));
  const c4 = Math.max(64 / 4, NM);
  const branch = (x: string, cin: number, mid: number, cout: number, hw: number) =>
    g.one("Reshape", [
      g.conv(g.conv(g.conv(x, cin, mid, 3), mid, mid, 3), mid, cout, 1, 1, false),
      g.ints([1, cout, hw]),
    ]);
  const box: string[] = [];
  const cls: string[] = [];
  const mc: string[] = [];
  levels.forEach((l, i) => {
    const side = SIZE / STRIDES[i]!;
    box.push(branch(l.x, l.c, c2, 4 * REG_MAX, side * side));
    cls.push(branch(l.x, l.c, c3, NC, side * side));
    mc.push(branch(l.x, l.c, c4, NM, side * side));
  });
  const A = STRIDES.reduce((a, s) => a + (SIZE / s) ** 2, 0);
  // DFL: softmax over 16 bins per side, expectation, then dist2bbox(xywh) × stride
  const bins = g.one(
    "Transpose",
    [g.one("Reshape", [g.one("Concat", box, { axis: 2 }), g.ints([1, 4, REG_MAX, A])])],
    {
      perm: [0, 2, 1, 3],
    },
  );
  const dflW = g.init(
    [1, REG_MAX, 1, 1],
    Float32Array.from({ length: REG_MAX }, (_, i) => i),
  );
  const dist = g.one("Reshape", [
    g.one("Conv", [g.one("Softmax", [bins], { axis: 1 }), dflW]),
    g.ints([1, 4, A]),
  ]);
  const [lt, rb] = g.node("Split", [dist, g.ints([2, 2])], { axis: 1 }, 2) as [string, string];
  const anchors = new Float32Array(2 * A);
  const strideRow = new Float32Array(A);
  let k = 0;
  for (const s of STRIDES) {
    const side = SIZE / s;
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++, k++) {
        anchors[k] = x + 0.5;
        anchors[A + k] = y + 0.5;
        strideRow[k] = s;
      }
  }
  const anc = g.init([1, 2, A], anchors);
  const x1y1 = g.one("Sub", [anc, lt]);
  const x2y2 = g.one("Add", [anc, rb]);
  const cxy = g.one("Mul", [g.one("Add", [x1y1, x2y2]), g.init([1], Float32Array.of(0.5))]);
  const wh = g.one("Sub", [x2y2, x1y1]);
  const dbox = g.one("Mul", [g.one("Concat", [cxy, wh], { axis: 1 }), g.init([1, 1, A], strideRow)]);
  const head = g.one(
    "Concat",
    [dbox, g.one("Sigmoid", [g.one("Concat", cls, { axis: 2 })]), g.one("Concat", mc, { axis: 2 })],
    {
      axis: 1,
    },
  );
  // Proto: conv 3×3, ×2 transposed conv, conv 3×3, conv 1×1 → 32 prototypes at stride 4
  const t = g.conv(n3, 64, 64, 3);
  const upW = new Float32Array(64 * 64 * 4).map(() => randn() * Math.sqrt(2 / (64 * 4)));
  const upT = g.one("ConvTranspose", [t, g.init([64, 64, 2, 2], upW), g.init([64], new Float32Array(64))], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  const proto = g.conv(g.conv(upT, 64, 64, 3), 64, NM, 1);
  // Planted outputs (see the file comment).
  const plant = planted(objects, randn);
  const zero = g.init([1], Float32Array.of(0));
  const pm = SIZE / 4;
  g.nodes.push({
    op: "Add",
    inputs: [g.one("Mul", [head, zero]), g.init([1, 4 + NC + NM, A], plant.out0)],
    outputs: ["output0"],
  });
  g.nodes.push({
    op: "Add",
    inputs: [g.one("Mul", [proto, zero]), g.init([1, NM, pm, pm], plant.proto)],
    outputs: ["output1"],
  });
  return writeOnnx({
    name: "yolov8n-seg-bench",
    nodes: g.nodes,
    inits: g.inits,
    inputs: [{ name: "images", dims: [1, 3, SIZE, SIZE] }],
    outputs: [
      { name: "output0", dims: [1, 4 + NC + NM, A] },
      { name: "output1", dims: [1, NM, pm, pm] },
    ],
  });
}
