/**
 * A minimal WebAssembly encoder for the adapters' SIMD kernels (argmax-simd.ts,
 * proto-dot-simd.ts): LEB128, sections, a one-function module that imports its memory, and the
 * few opcodes the kernels use; plus compiling a kernel and making it lazily per thread. Kernels
 * are assembled from these at load time (no toolchain, no binary blob in the repository).
 */

export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

export const I32 = 0x7f;
export const V128 = 0x7b;
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32 = (n: number): number[] => [0x41, ...sleb(n)];
export const ADD = [0x6a];
export const SUB = [0x6b];
export const MUL = [0x6c];
export const SHL = [0x74];
export const LT_U = [0x49];
export const SELECT = [0x1b];
export const LOAD8_U = [0x2d, 0, 0];
/** f32.store with 4-byte alignment and a constant offset. */
export const F32_STORE = (offset: number): number[] => [0x38, 2, ...uleb(offset)];
export const F32_ADD = [0x92];
export const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
export const V_LOAD = (offset: number): number[] => simd(0x00, 0, ...uleb(offset));
export const V_STORE = (offset: number): number[] => simd(0x0b, 0, ...uleb(offset));
export const V_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
export const I8X16_SPLAT = simd(0x0f);
export const F32X4_EXTRACT = (lane: number): number[] => simd(0x1f, lane);
export const F32X4_GT = simd(0x44);
export const V_BITSELECT = simd(0x52);
export const I8X16_NARROW_I16X8_S = simd(0x65);
export const I16X8_NARROW_I32X4_S = simd(0x85);
export const F32X4_ADD = simd(0xe4);
export const F32X4_MUL = simd(0xe6);
export const loop = (body: number[]): number[] => [0x03, 0x40, ...body, 0x0b];
/** Continue the innermost loop when the i32 on the stack is non-zero. */
export const BR_IF_LOOP = [0x0d, 0];

/**
 * A module with one exported function `(i32 × params) → ()` whose body is `body`, with extra
 * locals `locals` ([count, type] groups, after the parameters), importing `env.memory`.
 */
export function kernelModule(
  exportName: string,
  params: number,
  locals: readonly (readonly [number, number])[],
  body: readonly number[],
): Uint8Array<ArrayBuffer> {
  const func = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...body, 0x0b];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(Array.from({ length: params }, () => [I32])), 0x00]])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])), // memory, min 1 page
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name(exportName), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

/** `n` rounded up to a multiple of `a` (memory layout of the kernels). */
export const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Compiles a kernel module; undefined where WebAssembly (or its SIMD) is unavailable or rejects it. */
export function compileKernel(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | undefined {
  try {
    if (typeof WebAssembly !== "object" || !WebAssembly.validate(bytes)) return undefined;
    return new WebAssembly.Module(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A per-thread kernel made on first use (undefined when it cannot be: the caller keeps its JS
 * loop), which tests and benchmarks can switch off (`use(false)`: always the JS loop).
 */
export function lazyKernel<T>(create: () => T | undefined): {
  get(): T | undefined;
  use(on: boolean): void;
} {
  let kernel: T | undefined;
  let state: "untried" | "on" | "off" = "untried";
  return {
    get(): T | undefined {
      if (state === "untried") {
        kernel = create();
        state = kernel !== undefined ? "on" : "off";
      }
      return state === "on" ? kernel : undefined;
    },
    use(on: boolean): void {
      state = on ? "untried" : "off";
    },
  };
}
