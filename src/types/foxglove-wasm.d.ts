// Type declarations for the untyped WebAssembly compression packages used for MCAP chunks.
declare module "@foxglove/wasm-zstd" {
  export const isLoaded: Promise<void>;
  export function decompress(src: Uint8Array, destSize: number): Uint8Array;
  export function compress(src: Uint8Array, level?: number): Uint8Array;
  export function compressBound(size: number): number;
}
declare module "@foxglove/wasm-lz4" {
  interface Lz4Decompress {
    (src: Uint8Array, destSize: number): Uint8Array;
    isLoaded: Promise<void>;
  }
  const decompress: Lz4Decompress;
  export default decompress;
}
