/**
 * Mask logits `P · c` over a crop of NHWC prototypes with WebAssembly SIMD: per prototype pixel,
 * k coefficients in f32x4 lanes (k a multiple of 4), multiply and add per lane, then the 4 lanes
 * summed as (l0 + l1) + (l2 + l3). The YOLACT / YOLO-seg mask assembly's hot loop at ≈ 4 ns per
 * pixel for k = 24, against ≈ 15–30 ns for the best plain-JS loop (proto-masks.ts keeps that one
 * for NCHW prototypes, other k, or no SIMD).
 *
 * Results are float32, so they differ from a float64 sum in the last bits; the exact order is
 * written above (tests emulate it with Math.fround).
 *
 * Memory layout (one instance per thread): [coefficients 1 KiB][prototypes][crop output]. The
 * output region is sized for the largest crop (the whole prototype grid plus a 1-pixel border)
 * whenever the prototype region is laid out, so computing a crop never grows the memory.
 * `protoView` hands out the prototype region for ORT to write its output into (a preallocated
 * output); any other array is copied in by `bind`, once per frame.
 */
import {
  ADD,
  BR_IF_LOOP,
  F32X4_ADD,
  F32X4_EXTRACT,
  F32X4_MUL,
  F32_ADD,
  F32_STORE,
  I32,
  LT_U,
  MUL,
  SUB,
  V128,
  V_LOAD,
  V_ZERO,
  align,
  compileKernel,
  get,
  i32,
  kernelModule,
  loop,
  set,
  tee,
} from "./wasm-encoder.js";

const PAGE = 65536;
const COEF_AT = 0;
const PROTO_AT = 1024;
const MAX_K = 256;

// Parameters, then i32 locals, then the v128 accumulator.
const PROTO = 0,
  COEF = 1,
  KB = 2,
  ROWB = 3,
  X0 = 4,
  X1 = 5,
  Y0 = 6,
  Y1 = 7,
  OUT = 8,
  OUTROWB = 9,
  Y = 10,
  X = 11,
  P = 12,
  J = 13,
  O = 14,
  ACC = 15;

const lane = (l: number): number[] => [...get(ACC), ...F32X4_EXTRACT(l)];

/** for y in [y0, y1), x in [x0, x1): out[(y − y0 + 1)·bw + (x − x0 + 1)] = Σ_j P[y, x, j]·c[j] (do-while loops: non-empty ranges). */
const body: number[] = [
  ...get(Y0),
  ...set(Y),
  ...loop([
    ...[...get(PROTO), ...get(Y), ...get(ROWB), ...MUL, ...ADD, ...get(X0), ...get(KB), ...MUL, ...ADD],
    ...set(P),
    ...[...get(OUT), ...get(Y), ...get(Y0), ...SUB, ...i32(1), ...ADD, ...get(OUTROWB), ...MUL, ...ADD],
    ...[...i32(4), ...ADD],
    ...set(O),
    ...get(X0),
    ...set(X),
    ...loop([
      ...V_ZERO,
      ...set(ACC),
      ...i32(0),
      ...set(J),
      ...loop([
        ...get(ACC),
        ...[...get(P), ...get(J), ...ADD, ...V_LOAD(0)],
        ...[...get(COEF), ...get(J), ...ADD, ...V_LOAD(0)],
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...set(ACC),
        ...[...get(J), ...i32(16), ...ADD, ...tee(J), ...get(KB), ...LT_U, ...BR_IF_LOOP],
      ]),
      ...get(O),
      ...[...lane(0), ...lane(1), ...F32_ADD, ...lane(2), ...lane(3), ...F32_ADD, ...F32_ADD],
      ...F32_STORE(0),
      ...[...get(P), ...get(KB), ...ADD, ...set(P)],
      ...[...get(O), ...i32(4), ...ADD, ...set(O)],
      ...[...get(X), ...i32(1), ...ADD, ...tee(X), ...get(X1), ...LT_U, ...BR_IF_LOOP],
    ]),
    ...[...get(Y), ...i32(1), ...ADD, ...tee(Y), ...get(Y1), ...LT_U, ...BR_IF_LOOP],
  ]),
];

type Kernel = (
  proto: number,
  coef: number,
  kb: number,
  rowb: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  out: number,
  outrowb: number,
) => void;

/** The kernel with its memory. Not thread-safe: one per thread (module-level in proto-masks.ts). */
export class SimdProtoDot {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly kernel: Kernel;
  private protoFloats = 0;
  private h = 0;
  private w = 0;
  private k = 0;

  private constructor(module: WebAssembly.Module) {
    const inst = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernel = inst.exports.dots as Kernel;
  }

  /** undefined where WebAssembly SIMD is unavailable. */
  static create(): SimdProtoDot | undefined {
    const module = compileKernel(
      kernelModule(
        "dots",
        10,
        [
          [5, I32],
          [1, V128],
        ],
        body,
      ),
    );
    return module !== undefined ? new SimdProtoDot(module) : undefined;
  }

  /** Whether prototypes of k coefficients fit the kernel (NHWC layout is the caller's check). */
  static supports(k: number): boolean {
    return k > 0 && k % 4 === 0 && k <= MAX_K;
  }

  private get outAt(): number {
    return align(PROTO_AT + this.protoFloats * 4, 64);
  }

  /** Lays the memory out for h × w × k prototypes; growing detaches every view handed out before. */
  private reserve(h: number, w: number, k: number): void {
    if (!SimdProtoDot.supports(k))
      throw new RangeError(`SimdProtoDot: k must be a multiple of 4 in 4..${MAX_K}, got ${k}`);
    this.h = h;
    this.w = w;
    this.k = k;
    this.protoFloats = h * w * k;
    const need = this.outAt + (h + 2) * (w + 2) * 4;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
  }

  /** The prototype region as a Float32Array of h·w·k values, for ORT to write its output into. */
  protoView(h: number, w: number, k: number): Float32Array {
    this.reserve(h, w, k);
    return new Float32Array(this.memory.buffer, PROTO_AT, h * w * k);
  }

  /** Makes `data` (h × w × k, NHWC) the prototypes of the following `dots` calls: copied in unless it is `protoView`'s array. */
  bind(data: Float32Array, h: number, w: number, k: number): void {
    if (data.length !== h * w * k) {
      throw new RangeError(
        `SimdProtoDot: ${data.length} prototype values, expected ${h}x${w}x${k} = ${h * w * k}`,
      );
    }
    const inPlace = data.buffer === this.memory.buffer && data.byteOffset === PROTO_AT;
    if (!inPlace || this.h !== h || this.w !== w || this.k !== k) {
      this.reserve(h, w, k);
      if (!inPlace) new Float32Array(this.memory.buffer, PROTO_AT, h * w * k).set(data);
    }
  }

  /**
   * Mask logits of the crop [x0, x1) × [y0, y1) of the bound prototypes with coefficients
   * `coeffs[offset … offset + k)`, in a (x1 − x0 + 2) × (y1 − y0 + 2) view with a border of −∞
   * (valid until the next call). Ranges must be non-empty and inside the grid.
   */
  dots(coeffs: Float32Array, offset: number, x0: number, x1: number, y0: number, y1: number): Float32Array {
    const { w, h, k } = this;
    if (!(x0 >= 0 && x0 < x1 && x1 <= w && y0 >= 0 && y0 < y1 && y1 <= h)) {
      throw new RangeError(
        `SimdProtoDot: crop [${x0}, ${x1}) x [${y0}, ${y1}) is empty or outside ${w}x${h}`,
      );
    }
    const mem = this.memory.buffer;
    new Float32Array(mem, COEF_AT, k).set(coeffs.subarray(offset, offset + k));
    const bw = x1 - x0 + 2;
    const bh = y1 - y0 + 2;
    const out = new Float32Array(mem, this.outAt, bw * bh);
    out.fill(-Infinity);
    this.kernel(PROTO_AT, COEF_AT, k * 4, w * k * 4, x0, x1, y0, y1, this.outAt, bw * 4);
    return out;
  }
}
