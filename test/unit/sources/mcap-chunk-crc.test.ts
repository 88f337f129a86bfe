import { crc32 } from "@foxglove/crc";
import { describe, expect, it } from "vitest";
import { checkUncompressedChunkCrc } from "../../../src/sources/mcap-chunk-crc.js";
import { nativeCrc32 } from "../../../src/util/native-crc32.js";

/** An MCAP Chunk record (opcode 0x06) around `records`, laid out as the spec says. */
function chunkRecord(records: Uint8Array, crc: number, compression = ""): Uint8Array {
  const comp = new TextEncoder().encode(compression);
  const body = 8 + 8 + 8 + 4 + 4 + comp.length + 8 + records.length;
  const out = new Uint8Array(1 + 8 + body);
  const v = new DataView(out.buffer);
  out[0] = 0x06;
  v.setBigUint64(1, BigInt(body), true);
  v.setBigUint64(9, 10n, true); // message_start_time
  v.setBigUint64(17, 20n, true); // message_end_time
  v.setBigUint64(25, BigInt(records.length), true); // uncompressed_size
  v.setUint32(33, crc, true);
  v.setUint32(37, comp.length, true);
  out.set(comp, 41);
  v.setBigUint64(41 + comp.length, BigInt(records.length), true);
  out.set(records, 49 + comp.length);
  return out;
}

const records = Uint8Array.from({ length: 5000 }, (_, i) => (i * 131) & 255);

describe("checkUncompressedChunkCrc (zlib's crc32)", () => {
  it("is available on this Node and equals @mcap/core's crc32", () => {
    expect(nativeCrc32).toBeDefined();
    expect(nativeCrc32!(records)).toBe(crc32(records));
  });

  it("passes a chunk whose records match their CRC; a flipped byte → the offset and both CRCs", () => {
    const rec = chunkRecord(records, crc32(records));
    expect(() => checkUncompressedChunkCrc(rec, 4096n)).not.toThrow();
    rec[rec.length - 1]! ^= 1;
    const damaged = crc32(rec.subarray(49));
    expect(() => checkUncompressedChunkCrc(rec, 4096n)).toThrow(
      `MCAP chunk at offset 4096: CRC ${damaged} does not match the recorded ${crc32(records)} (the file is damaged)`,
    );
  });

  it("checks nothing when the CRC is 0 (not computed) or the chunk is compressed", () => {
    const zero = chunkRecord(records, 0);
    zero[zero.length - 1]! ^= 1;
    expect(() => checkUncompressedChunkCrc(zero, 0n)).not.toThrow();
    expect(() => checkUncompressedChunkCrc(chunkRecord(records, 12345, "zstd"), 0n)).not.toThrow();
  });

  it("not a Chunk, or cut short → RangeError with the offset", () => {
    const rec = chunkRecord(records, crc32(records));
    const other = rec.slice();
    other[0] = 0x05;
    expect(() => checkUncompressedChunkCrc(other, 7n)).toThrow(
      new RangeError("MCAP chunk at offset 7: opcode 0x5, expected 0x06 (Chunk)"),
    );
    expect(() => checkUncompressedChunkCrc(rec.subarray(0, 20), 7n)).toThrow(
      new RangeError("MCAP chunk at offset 7: record of 20 bytes ends before its compression"),
    );
    expect(() => checkUncompressedChunkCrc(rec.subarray(0, 100), 7n)).toThrow(
      new RangeError("MCAP chunk at offset 7: records of 5000 bytes run past the record's 100"),
    );
  });
});
