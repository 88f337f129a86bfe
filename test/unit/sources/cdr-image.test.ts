import { parse } from "@foxglove/rosmsg";
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import { describe, expect, it } from "vitest";
import { readCdrImage } from "../../../src/sources/cdr-image.js";
import { ROS2_IMAGE_SCHEMA } from "../../../src/sources/ros-msg-defs.js";
import type { ImageMsg } from "../../../src/sources/ros-image.js";

const defs = parse(ROS2_IMAGE_SCHEMA.text, { ros2: true });
const writer = new MessageWriter(defs);
const reader = new MessageReader(defs);

function image(frameId: string, encoding: string, width: number, height: number, step: number): ImageMsg {
  const data = new Uint8Array(step * height);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + frameId.length) & 255;
  return {
    header: { stamp: { sec: 1_700_000_123, nanosec: 456_789_012 }, frame_id: frameId },
    height,
    width,
    encoding,
    is_bigendian: encoding === "mono16" ? 1 : 0,
    step,
    data,
  };
}

describe("readCdrImage (sensor_msgs/msg/Image, XCDR1 little-endian, in place)", () => {
  // frame_id and encoding lengths 0–5 move every later field through all four alignments.
  const cases = [
    image("", "rgb8", 4, 3, 12),
    image("c", "bgr8", 5, 2, 16),
    image("ca", "mono8", 7, 3, 8),
    image("cam", "mono16", 3, 2, 6),
    image("cam0", "rgba8", 2, 2, 8),
    image("front", "rgb8", 1, 1, 3),
  ];
  it.each(cases.map((m) => [m.header.frame_id, m.encoding, m] as const))(
    "frame_id %j, %s: the same fields as the generic reader; data a view into the message",
    (_id, _enc, msg) => {
      const bytes = writer.writeMessage(msg);
      const fast = readCdrImage(bytes);
      const generic = reader.readMessage<ImageMsg>(bytes);
      expect(fast).toBeDefined();
      const { data: fd, ...fastRest } = fast!;
      const { data: gd, ...genericRest } = generic;
      expect(fastRest).toEqual(genericRest);
      expect(fastRest).toEqual((({ data: _d, ...r }) => r)(msg));
      expect(Buffer.from(fd).equals(Buffer.from(gd))).toBe(true);
      expect(fd.buffer).toBe(bytes.buffer); // no copy
    },
  );

  it("a message cut short → RangeError naming the field and offsets", () => {
    const bytes = writer.writeMessage(image("cam", "rgb8", 4, 3, 12));
    expect(() => readCdrImage(bytes.subarray(0, bytes.length - 5))).toThrow(
      /^Image CDR truncated reading data: need 36 bytes at offset \d+, have 31$/,
    );
    expect(() => readCdrImage(bytes.subarray(0, 18))).toThrow(
      "Image CDR truncated reading header.frame_id: need 4 bytes at offset 16, have 2",
    );
  });

  it("another encapsulation (big-endian CDR) → undefined, left to the generic reader", () => {
    const bytes = writer.writeMessage(image("cam", "rgb8", 2, 2, 6)).slice();
    bytes[1] = 0x00; // CDR_BE
    expect(readCdrImage(bytes)).toBeUndefined();
    expect(readCdrImage(new Uint8Array(2))).toBeUndefined();
  });
});
