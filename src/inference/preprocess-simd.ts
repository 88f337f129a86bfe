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
 *
 * preprocess.ts computes the same float32 operations in JS (Math.fround after each) for the
 * tails, mono8 frames and where WebAssembly SIMD is missing, so both give identical values.
 * The kernels read and write one memory the caller lays out (preprocess.ts: the network input
 * tensor lives in it, so ORT reads the result in place).
 */
import {
  ADD,
  BR_IF_LOOP,
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
        ...get(D[k]!),
        ...i32(64),
        ...ADD,
        ...set(D[k]!),
      ];
    }),
    ...get(SRC),
    ...i32(48),
    ...ADD,
    ...set(SRC),
    ...get(I),
    ...i32(1),
    ...ADD,
    ...tee(I),
    ...get(N16),
    ...LT_U,
    ...BR_IF_LOOP,
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
    ...[T, U, DST].flatMap((p) => [...get(p), ...i32(16), ...ADD, ...set(p)]),
    ...get(J),
    ...i32(1),
    ...ADD,
    ...tee(J),
    ...get(N4),
    ...LT_U,
    ...BR_IF_LOOP,
  ]),
];

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
  return rgb3 !== undefined && vblend !== undefined ? { rgb3, vblend } : undefined;
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

  private constructor(m: { rgb3: WebAssembly.Module; vblend: WebAssembly.Module }, bytes: number) {
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const env = { env: { memory: this.memory } };
    this.rgb3 = new WebAssembly.Instance(m.rgb3, env).exports.rgb3 as Rgb3;
    this.vblend = new WebAssembly.Instance(m.vblend, env).exports.vblend as VBlend;
  }

  static create(bytes: number): PreprocessKernels | undefined {
    const m = modules.get();
    return m !== undefined ? new PreprocessKernels(m, bytes) : undefined;
  }
}
