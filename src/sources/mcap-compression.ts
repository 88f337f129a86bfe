import type { McapTypes } from "@mcap/core";

/**
 * Chunk decompressors for MCAP files (`zstd`, `lz4`: the well-known MCAP compressions;
 * Node's zlib has neither). The WebAssembly modules load once, on first use.
 */
let handlers: Promise<McapTypes.DecompressHandlers> | undefined;

export function mcapDecompressHandlers(): Promise<McapTypes.DecompressHandlers> {
  handlers ??= (async () => {
    const [zstd, lz4mod] = await Promise.all([import("@foxglove/wasm-zstd"), import("@foxglove/wasm-lz4")]);
    const lz4 = lz4mod.default;
    await Promise.all([zstd.isLoaded, lz4.isLoaded]);
    return {
      zstd: (buffer: Uint8Array, size: bigint) => zstd.decompress(buffer, Number(size)),
      lz4: (buffer: Uint8Array, size: bigint) => lz4(buffer, Number(size)),
    };
  })();
  return handlers;
}

/** The zstd compressor for writing MCAP chunks. */
export async function zstdCompress(): Promise<(data: Uint8Array) => Uint8Array> {
  const zstd = await import("@foxglove/wasm-zstd");
  await zstd.isLoaded;
  return (data) => zstd.compress(data, 3);
}
