/**
 * The preprocessor's two hot loops with WebAssembly SIMD (f32x4), assembled at load time like
 * the adapters' kernels (adapters/wasm-encoder.ts; no toolchain, no binary blob):
 *
 *   `rgb3(src, n16, d0, d1, d2, coef)` — 16 interleaved 3-byte pixels per step: the three
 *     channels split with two byte shuffles each, widened u8 → u16 → u32 → f32, then
 *     `v·a + b` (two float32 roundings) into three planar rows. Source channel k goes to row dk
 *     with (a, b) at coef + 8k.
 *   `vblend(t, u, n4, d, coef)` — 4 outputs per step: `((u − t)·wy + t)·a + b`, every operation
 *     rounded to float32, with (wy, a, b) at coef; t and u are two horizontally interpolated
 *     source rows of one channel.
 *   `hrow(src, n, col0, col1, colW, s0, s1, s2, d0, d1, d2)` — one source row interpolated
 *     horizontally at n output columns (scalar: the taps are a gather): per column the two
 *     source pixels at byte offsets col0[x], col1[x] and weight colW[x]; per channel
 *     `d + (e − d)·wx` in float64, stored as float32 into planar rows d0..d2 (source channel
 *     byte offsets s0..s2) — the JS loop's exact operations.
 *
 * preprocess.ts computes the same float32 operations in JS (Math.fround after each) for the
 * tails, mono8 frames and where WebAssembly SIMD is missing, so both give identical values.
 * The kernels read and write one memory the caller lays out (preprocess.ts: the network input
 * tensor lives in it, so ORT reads the result in place).
 */
import {
  ADD,
  BR_IF_LOOP,
  F32_STORE,
  LOAD8_U,
  SHL,
  F32X4_ADD,
  F32X4_MUL,
  I32,
  LT_U,
  V128,
  V_LOAD,
  V_STORE,
  compileKernel,
  get,
  i32,
  kernelModule,
  lazyKernel,
  loop,
  set,
  simd,
  tee,
} from "./adapters/wasm-encoder.js";

/** local += by. */
const advance = (local: number, by: number): number[] => [...get(local), ...i32(by), ...ADD, ...set(local)];
/** ++counter; continue the loop while counter < limit (a do-while tail). */
const repeatWhileBelow = (counter: number, limit: number): number[] => [
  ...get(counter),
  ...i32(1),
  ...ADD,
  ...tee(counter),
  ...get(limit),
  ...LT_U,
  ...BR_IF_LOOP,
];

const F64 = 0x7c;
const I32_LOAD = (offset: number): number[] => [0x28, 2, offset];
const F32_LOAD = (offset: number): number[] => [0x2a, 2, offset];
const F64_PROMOTE_F32 = [0xbb];
const F64_CONVERT_I32_U = [0xb8];
const F64_ADD = [0xa0];
const F64_SUB = [0xa1];
const F64_MUL = [0xa2];
const F32_DEMOTE_F64 = [0xb6];
const SHUFFLE = (lanes: readonly number[]): number[] => simd(0x0d, ...lanes);
const LOAD32_SPLAT = (offset: number): number[] => simd(0x09, 2, offset);
const I16X8_EXTEND_LOW_U8 = simd(0x89);
const I16X8_EXTEND_HIGH_U8 = simd(0x8a);
const I32X4_EXTEND_LOW_U16 = simd(0xa9);
const I32X4_EXTEND_HIGH_U16 = simd(0xaa);
const F32X4_CONVERT_I32X4_U = simd(0xfb);
const F32X4_SUB = simd(0xe5);

// rgb3: parameters 0–5, i32 local 6, v128 locals 7–16.
const SRC = 0,
  N16 = 1,
  D = [2, 3, 4],
  COEF = 5,
  I = 6,
  V = [7, 8, 9],
  C = 10,
  AB = [
    [11, 12],
    [13, 14],
    [15, 16],
  ];

/**
 * Byte shuffles that gather channel k of 16 interleaved pixels (bytes 3i + k of v0|v1|v2):
 * the first takes its bytes from v0|v1 (lanes ≥ 16 are v1's), the second keeps those and adds
 * the rest from v2.
 */
function channelShuffles(k: number): [number[], number[]] {
  const first: number[] = [];
  const second: number[] = [];
  for (let i = 0; i < 16; i++) {
    const byte = 3 * i + k;
    if (byte < 32) {
      first.push(byte);
      second.push(first.length - 1);
    } else second.push(16 + byte - 32);
  }
  while (first.length < 16) first.push(0);
  return [first, second];
}

const rgb3Body: number[] = [
  ...[0, 1, 2].flatMap((k) => [
    ...get(COEF),
    ...LOAD32_SPLAT(8 * k),
    ...set(AB[k]![0]!),
    ...get(COEF),
    ...LOAD32_SPLAT(8 * k + 4),
    ...set(AB[k]![1]!),
  ]),
  ...i32(0),
  ...set(I),
  ...loop([
    ...[0, 1, 2].flatMap((j) => [...get(SRC), ...V_LOAD(16 * j), ...set(V[j]!)]),
    ...[0, 1, 2].flatMap((k) => {
      const [first, second] = channelShuffles(k);
      return [
        ...get(V[0]!),
        ...get(V[1]!),
        ...SHUFFLE(first),
        ...get(V[2]!),
        ...SHUFFLE(second),
        ...set(C),
        ...[0, 1, 2, 3].flatMap((q) => [
          ...get(D[k]!),
          ...get(C),
          ...(q < 2 ? I16X8_EXTEND_LOW_U8 : I16X8_EXTEND_HIGH_U8),
          ...(q % 2 === 0 ? I32X4_EXTEND_LOW_U16 : I32X4_EXTEND_HIGH_U16),
          ...F32X4_CONVERT_I32X4_U,
          ...get(AB[k]![0]!),
          ...F32X4_MUL,
          ...get(AB[k]![1]!),
          ...F32X4_ADD,
          ...V_STORE(16 * q),
        ]),
        ...advance(D[k]!, 64),
      ];
    }),
    ...advance(SRC, 48),
    ...repeatWhileBelow(I, N16),
  ]),
];

// vblend: parameters 0–4, i32 local 5, v128 locals 6–9.
const T = 0,
  U = 1,
  N4 = 2,
  DST = 3,
  BCOEF = 4,
  J = 5,
  WY = 6,
  A = 7,
  B = 8,
  TV = 9;

const vblendBody: number[] = [
  ...get(BCOEF),
  ...LOAD32_SPLAT(0),
  ...set(WY),
  ...get(BCOEF),
  ...LOAD32_SPLAT(4),
  ...set(A),
  ...get(BCOEF),
  ...LOAD32_SPLAT(8),
  ...set(B),
  ...i32(0),
  ...set(J),
  ...loop([
    ...get(DST),
    ...get(U),
    ...V_LOAD(0),
    ...get(T),
    ...V_LOAD(0),
    ...tee(TV),
    ...F32X4_SUB,
    ...get(WY),
    ...F32X4_MUL,
    ...get(TV),
    ...F32X4_ADD,
    ...get(A),
    ...F32X4_MUL,
    ...get(B),
    ...F32X4_ADD,
    ...V_STORE(0),
    ...[T, U, DST].flatMap((p) => advance(p, 16)),
    ...repeatWhileBelow(J, N4),
  ]),
];

// hrow: parameters 0–10, i32 locals 11–14, f64 locals 15–16.
const H_SRC = 0,
  H_N = 1,
  H_COL0 = 2,
  H_COL1 = 3,
  H_COLW = 4,
  H_S = [5, 6, 7],
  H_D = [8, 9, 10],
  H_X = 11,
  H_P0 = 12,
  H_P1 = 13,
  H_X4 = 14,
  H_WX = 15,
  H_V = 16;

const hrowBody: number[] = [
  ...i32(0),
  ...set(H_X),
  ...loop([
    ...get(H_X),
    ...i32(2),
    ...SHL,
    ...set(H_X4),
    ...[...get(H_COLW), ...get(H_X4), ...ADD, ...F32_LOAD(0), ...F64_PROMOTE_F32, ...set(H_WX)],
    ...[...get(H_SRC), ...get(H_COL0), ...get(H_X4), ...ADD, ...I32_LOAD(0), ...ADD, ...set(H_P0)],
    ...[...get(H_SRC), ...get(H_COL1), ...get(H_X4), ...ADD, ...I32_LOAD(0), ...ADD, ...set(H_P1)],
    ...[0, 1, 2].flatMap((c) => [
      // v = d (source pixel 0's byte), then d + (e − d)·wx → float32 at d_c + 4x.
      ...[...get(H_D[c]!), ...get(H_X4), ...ADD],
      ...[...get(H_P0), ...get(H_S[c]!), ...ADD, ...LOAD8_U, ...F64_CONVERT_I32_U, ...tee(H_V)],
      ...[...get(H_P1), ...get(H_S[c]!), ...ADD, ...LOAD8_U, ...F64_CONVERT_I32_U],
      ...get(H_V),
      ...F64_SUB,
      ...get(H_WX),
      ...F64_MUL,
      ...F64_ADD,
      ...F32_DEMOTE_F64,
      ...F32_STORE(0),
    ]),
    ...repeatWhileBelow(H_X, H_N),
  ]),
];

type HRow = (
  src: number,
  n: number,
  col0: number,
  col1: number,
  colW: number,
  s0: number,
  s1: number,
  s2: number,
  d0: number,
  d1: number,
  d2: number,
) => void;
type Rgb3 = (src: number, n16: number, d0: number, d1: number, d2: number, coef: number) => void;
type VBlend = (t: number, u: number, n4: number, d: number, coef: number) => void;

/** The two modules, compiled once per thread; undefined without WebAssembly SIMD. */
const modules = lazyKernel(() => {
  const rgb3 = compileKernel(
    kernelModule(
      "rgb3",
      6,
      [
        [1, I32],
        [10, V128],
      ],
      rgb3Body,
    ),
  );
  const vblend = compileKernel(
    kernelModule(
      "vblend",
      5,
      [
        [1, I32],
        [4, V128],
      ],
      vblendBody,
    ),
  );
  const hrow = compileKernel(
    kernelModule(
      "hrow",
      11,
      [
        [4, I32],
        [2, F64],
      ],
      hrowBody,
    ),
  );
  return rgb3 !== undefined && vblend !== undefined && hrow !== undefined
    ? { rgb3, vblend, hrow }
    : undefined;
});

/** Tests and benchmarks: the SIMD kernels when available (default), or always the JS loops. */
export function usePreprocessSimd(on: boolean): void {
  modules.use(on);
}

const PAGE = 65536;

/**
 * Both kernels over one memory of `bytes` bytes, fixed for the preprocessor's life (nothing
 * grows it, so views into it stay valid). undefined without WebAssembly SIMD.
 */
export class PreprocessKernels {
  readonly memory: WebAssembly.Memory;
  readonly rgb3: Rgb3;
  readonly vblend: VBlend;
  readonly hrow: HRow;

  private constructor(
    m: { rgb3: WebAssembly.Module; vblend: WebAssembly.Module; hrow: WebAssembly.Module },
    bytes: number,
  ) {
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const env = { env: { memory: this.memory } };
    this.rgb3 = new WebAssembly.Instance(m.rgb3, env).exports.rgb3 as Rgb3;
    this.vblend = new WebAssembly.Instance(m.vblend, env).exports.vblend as VBlend;
    this.hrow = new WebAssembly.Instance(m.hrow, env).exports.hrow as HRow;
  }

  static create(bytes: number): PreprocessKernels | undefined {
    const m = modules.get();
    return m !== undefined ? new PreprocessKernels(m, bytes) : undefined;
  }
}
