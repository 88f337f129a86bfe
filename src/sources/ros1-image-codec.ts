import type { CompressedImageMsg, ImageMsg, RosHeader } from "./ros-image.js";

/**
 * Minimal ROS 1 serialization for sensor_msgs/Image and sensor_msgs/CompressedImage (MCAP
 * message encoding `ros1`): little-endian, no alignment, `string` and `T[]` prefixed by a uint32
 * length, `time` = uint32 sec + uint32 nsec, std_msgs/Header = uint32 seq, time stamp, string frame_id.
 * (The general-purpose `@foxglove/rosmsg-serialization` is not a dependency; these two fixed
 * layouts are all the sources need.) `seq` is dropped when reading and written as 0.
 */

class Ros1Reader {
  private off = 0;
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: false });

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.off + n > this.buf.length) {
      throw new RangeError(
        `ROS 1 message truncated reading ${what}: need ${n} bytes at offset ${this.off}, have ${this.buf.length - this.off}`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.off++);
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.off, true);
    this.off += 4;
    return v;
  }

  bytes(what: string): Uint8Array {
    const n = this.u32(`${what} length`);
    this.need(n, what);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  string(what: string): string {
    return this.utf8.decode(this.bytes(what));
  }

  header(): RosHeader {
    this.u32("header.seq");
    const sec = this.u32("header.stamp.sec");
    const nanosec = this.u32("header.stamp.nsec");
    return { stamp: { sec, nanosec }, frame_id: this.string("header.frame_id") };
  }
}

export function readRos1Image(buf: Uint8Array): ImageMsg {
  const r = new Ros1Reader(buf);
  const header = r.header();
  const height = r.u32("height");
  const width = r.u32("width");
  const encoding = r.string("encoding");
  const is_bigendian = r.u8("is_bigendian");
  const step = r.u32("step");
  const data = r.bytes("data");
  return { header, height, width, encoding, is_bigendian, step, data };
}

export function readRos1CompressedImage(buf: Uint8Array): CompressedImageMsg {
  const r = new Ros1Reader(buf);
  const header = r.header();
  const format = r.string("format");
  const data = r.bytes("data");
  return { header, format, data };
}

class Ros1Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  u8(v: number): void {
    this.push(Uint8Array.of(v & 0xff));
  }

  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.push(b);
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.push(b);
  }

  string(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }

  header(h: RosHeader): void {
    this.u32(0);
    this.u32(h.stamp.sec);
    this.u32(h.stamp.nanosec);
    this.string(h.frame_id);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export function writeRos1Image(msg: ImageMsg): Uint8Array {
  const w = new Ros1Writer();
  w.header(msg.header);
  w.u32(msg.height);
  w.u32(msg.width);
  w.string(msg.encoding);
  w.u8(msg.is_bigendian);
  w.u32(msg.step);
  w.bytes(msg.data);
  return w.finish();
}

export function writeRos1CompressedImage(msg: CompressedImageMsg): Uint8Array {
  const w = new Ros1Writer();
  w.header(msg.header);
  w.string(msg.format);
  w.bytes(msg.data);
  return w.finish();
}
