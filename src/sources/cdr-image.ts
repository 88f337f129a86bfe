import type { ImageMsg } from "./ros-image.js";

const utf8 = new TextDecoder("utf-8");

/**
 * `sensor_msgs/msg/Image` in ROS 2's CDR (XCDR1, little-endian: encapsulation `00 01 00 00`),
 * read straight from its fixed layout (specs/07, "Worked CDR layout"): header.stamp.sec int32,
 * nanosec uint32, frame_id string, height, width uint32, encoding string, is_bigendian uint8,
 * step uint32, data uint8[] — 4-byte alignment relative to the byte after the encapsulation
 * header; a string is a uint32 length counting its NUL, then the bytes and the NUL.
 *
 * `data` is a view into `buf`, not a copy: the generic reader (@foxglove/rosmsg2-serialization)
 * copies the pixels out, and `imageMsgToFrame` copies them again into the frame — one copy of a
 * 1.5 MB raw frame is ≈ 1.4 ms of the reader thread here. Returns undefined for any other
 * encapsulation (big-endian, XCDR2), which the generic reader then handles.
 * Throws RangeError naming the field and offsets when the message is shorter than its fields.
 */
export function readCdrImage(buf: Uint8Array): ImageMsg | undefined {
  if (buf.length < 4 || buf[0] !== 0x00 || buf[1] !== 0x01) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const origin = 4;
  let off = origin;
  const need = (n: number, what: string): void => {
    if (off + n > buf.length)
      throw new RangeError(
        `Image CDR truncated reading ${what}: need ${n} bytes at offset ${off}, have ${buf.length - off}`,
      );
  };
  const align4 = (): void => {
    off = origin + ((off - origin + 3) & ~3);
  };
  const u32 = (what: string): number => {
    align4();
    need(4, what);
    const v = view.getUint32(off, true);
    off += 4;
    return v;
  };
  const string = (what: string): string => {
    const n = u32(`${what} length`);
    need(n, what);
    // n counts the trailing NUL (0 only from writers that omit it).
    const s = utf8.decode(buf.subarray(off, off + Math.max(0, n - 1)));
    off += n;
    return s;
  };
  const sec = view.getInt32((need(4, "header.stamp.sec"), off), true);
  off += 4;
  const nanosec = u32("header.stamp.nanosec");
  const frame_id = string("header.frame_id");
  const height = u32("height");
  const width = u32("width");
  const encoding = string("encoding");
  need(1, "is_bigendian");
  const is_bigendian = buf[off++]!;
  const step = u32("step");
  const n = u32("data length");
  need(n, "data");
  const data = buf.subarray(off, off + n);
  return { header: { stamp: { sec, nanosec }, frame_id }, height, width, encoding, is_bigendian, step, data };
}
