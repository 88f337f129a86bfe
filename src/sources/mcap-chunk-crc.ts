import { nativeCrc32 } from "../util/native-crc32.js";

/**
 * Checks an uncompressed MCAP Chunk record's CRC with zlib's native crc32 (Node ≥ 20.15) instead
 * of @mcap/core's JavaScript one: ≈ 1.5 ms → 0.5 ms per 1.5 MB raw frame on the reader thread
 * (4 MiB: 4.1 vs 1.45 ms measured here). `record` is the whole record as read at the chunk
 * index's offset: opcode 0x06, uint64 record length, then message_start_time, message_end_time,
 * uncompressed_size (uint64 each), uncompressed_crc (uint32), compression (uint32 length +
 * bytes), records (uint64 length + bytes) — all little-endian (MCAP spec, Chunk). A CRC of 0
 * means "not computed" (rosbag2's default), and nothing is checked. Compressed chunks are left
 * to @mcap/core, which checks them after decompressing. Throws an Error carrying the offset and
 * both CRCs on a mismatch, RangeError when the record is not a Chunk or is cut short.
 */
export function checkUncompressedChunkCrc(record: Uint8Array, offset: bigint): void {
  const crc32 = nativeCrc32;
  if (crc32 === undefined) throw new TypeError("checkUncompressedChunkCrc: this Node has no zlib.crc32");
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const at = (n: number, what: string): void => {
    if (n > record.length)
      throw new RangeError(
        `MCAP chunk at offset ${offset}: record of ${record.length} bytes ends before its ${what}`,
      );
  };
  at(1 + 8 + 8 + 8 + 8 + 4 + 4, "compression");
  if (record[0] !== 0x06)
    throw new RangeError(
      `MCAP chunk at offset ${offset}: opcode 0x${record[0]!.toString(16)}, expected 0x06 (Chunk)`,
    );
  const expected = view.getUint32(1 + 8 + 24, true);
  const compressionLength = view.getUint32(1 + 8 + 28, true);
  if (compressionLength !== 0 || expected === 0) return;
  const recordsAt = 1 + 8 + 32 + compressionLength;
  at(recordsAt + 8, "records length");
  const n = view.getBigUint64(recordsAt, true);
  const from = recordsAt + 8;
  if (BigInt(from) + n > BigInt(record.length))
    throw new RangeError(
      `MCAP chunk at offset ${offset}: records of ${n} bytes run past the record's ${record.length}`,
    );
  const actual = crc32(record.subarray(from, from + Number(n)));
  if (actual !== expected)
    throw new Error(
      `MCAP chunk at offset ${offset}: CRC ${actual} does not match the recorded ${expected} (the file is damaged)`,
    );
}
