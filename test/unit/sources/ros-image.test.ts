import { parse } from "@foxglove/rosmsg";
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import { describe, expect, it } from "vitest";
import { makeFrame } from "../../../src/frames/frame.js";
import {
  BadMessageError,
  compressedToFrame,
  frameToCompressedMsg,
  frameToImageMsg,
  imageMsgToFrame,
  nsToStamp,
  stampToNs,
  type ImageMsg,
} from "../../../src/sources/ros-image.js";
import {
  MSG_DELIMITER,
  ROS1_IMAGE_SCHEMA,
  ROS2_COMPRESSED_IMAGE_SCHEMA,
  ROS2_IMAGE_SCHEMA,
} from "../../../src/sources/ros-msg-defs.js";
import {
  readRos1CompressedImage,
  readRos1Image,
  writeRos1CompressedImage,
  writeRos1Image,
} from "../../../src/sources/ros1-image-codec.js";

const hdr = { stamp: { sec: 12, nanosec: 345 }, frame_id: "cam" };
const opts = { id: 0, sourceId: "t" };

function msg(partial: Partial<ImageMsg>): ImageMsg {
  return {
    header: hdr,
    height: 2,
    width: 2,
    encoding: "rgb8",
    is_bigendian: 0,
    step: 6,
    data: new Uint8Array(12),
    ...partial,
  };
}

describe("ros2msg schema texts", () => {
  it("use the rosbag2 concatenated layout and parse with @foxglove/rosmsg", () => {
    const text = ROS2_IMAGE_SCHEMA.text;
    expect(text).toContain(`\n\n${MSG_DELIMITER}\nMSG: std_msgs/Header\n`);
    expect(text).toContain(`\n${MSG_DELIMITER}\nMSG: builtin_interfaces/Time\n`);
    expect(MSG_DELIMITER).toHaveLength(80);
    const defs = parse(text, { ros2: true });
    expect(defs[0]!.definitions.map((d) => d.name)).toEqual([
      "header",
      "height",
      "width",
      "encoding",
      "is_bigendian",
      "step",
      "data",
    ]);
    const c = parse(ROS2_COMPRESSED_IMAGE_SCHEMA.text, { ros2: true });
    expect(c[0]!.definitions.map((d) => d.name)).toEqual(["header", "format", "data"]);
    const r1 = parse(ROS1_IMAGE_SCHEMA.text);
    expect(r1[0]!.definitions.map((d) => d.name)).toEqual([
      "header",
      "height",
      "width",
      "encoding",
      "is_bigendian",
      "step",
      "data",
    ]);
  });

  it("CDR Image layout matches specs/07 §4 (4-byte header, stamp, frame_id, aligned fields)", () => {
    const defs = parse(ROS2_IMAGE_SCHEMA.text, { ros2: true });
    const m = msg({ data: Uint8Array.from({ length: 12 }, (_, i) => i) });
    const bytes = new MessageWriter(defs).writeMessage(m);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 1, 0, 0]);
    expect(dv.getInt32(4, true)).toBe(12);
    expect(dv.getUint32(8, true)).toBe(345);
    expect(dv.getUint32(12, true)).toBe(4); // "cam" + NUL
    const back = new MessageReader(defs).readMessage<ImageMsg>(bytes);
    expect(imageMsgToFrame(back, opts).data).toEqual(m.data);
  });
});

describe("imageMsgToFrame", () => {
  it("removes row padding and keeps stamp/frame_id", () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 99, 99, 7, 8, 9, 10, 11, 12, 99, 99]);
    const f = imageMsgToFrame(msg({ step: 8, data }), opts);
    expect([...f.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(f.stampNs).toBe(12_000_000_345n);
    expect(f.meta.frameId).toBe("cam");
  });

  it("byte-swaps big-endian mono16 and drops alpha from rgba8/bgra8", () => {
    const m16 = imageMsgToFrame(
      msg({ encoding: "mono16", is_bigendian: 1, step: 4, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }),
      opts,
    );
    expect(m16.encoding).toBe("mono16");
    expect([...m16.data]).toEqual([2, 1, 4, 3, 6, 5, 8, 7]);
    const rgba = imageMsgToFrame(
      msg({ encoding: "bgra8", step: 8, data: Uint8Array.from({ length: 16 }, (_, i) => i) }),
      opts,
    );
    expect(rgba.encoding).toBe("bgr8");
    expect([...rgba.data]).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]);
  });

  it("rejects unsupported encodings and short data with BadMessageError", () => {
    expect(() => imageMsgToFrame(msg({ encoding: "bayer_rggb8" }), opts)).toThrow(BadMessageError);
    expect(() => imageMsgToFrame(msg({ encoding: "bayer_rggb8" }), opts)).toThrow(/bayer_rggb8/);
    expect(() => imageMsgToFrame(msg({ data: new Uint8Array(5) }), opts)).toThrow(/data has 5 bytes/);
    expect(() => imageMsgToFrame(msg({ step: 4 }), opts)).toThrow(/step 4/);
  });

  it("falls back to the given stamp when the header stamp is zero", () => {
    const f = imageMsgToFrame(msg({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" } }), {
      ...opts,
      fallbackStampNs: 77n,
    });
    expect(f.stampNs).toBe(77n);
  });
});

describe("frame ↔ message", () => {
  it("frameToImageMsg / imageMsgToFrame round trip, and stamps convert both ways", () => {
    const frame = makeFrame({
      id: 3,
      stampNs: 1_500_000_000_123n,
      sourceId: "s",
      width: 2,
      height: 1,
      encoding: "mono16",
      data: Uint8Array.from([1, 2, 3, 4]),
      meta: { frameId: "f" },
    });
    const m = frameToImageMsg(frame);
    expect(m).toMatchObject({
      encoding: "mono16",
      step: 4,
      is_bigendian: 0,
      header: { frame_id: "f", stamp: { sec: 1500, nanosec: 123 } },
    });
    expect(imageMsgToFrame(m, opts).data).toEqual(frame.data);
    expect(stampToNs(nsToStamp(-1n))).toBe(-1n);
    expect(nsToStamp(-1n)).toEqual({ sec: -1, nanosec: 999_999_999 });
  });

  it("frameToCompressedMsg png → compressedToFrame is lossless; compressedDepth is a bad message", async () => {
    const frame = makeFrame({
      id: 0,
      stampNs: 5n,
      sourceId: "s",
      width: 3,
      height: 2,
      encoding: "rgb8",
      data: Uint8Array.from({ length: 18 }, (_, i) => i * 13),
    });
    const c = await frameToCompressedMsg(frame, "png");
    const back = await compressedToFrame(c, opts);
    expect(back.data).toEqual(frame.data);
    expect(back.stampNs).toBe(5n);
    await expect(compressedToFrame({ ...c, format: "16UC1; compressedDepth png" }, opts)).rejects.toThrow(
      BadMessageError,
    );
    await expect(compressedToFrame({ ...c, format: "jpeg", data: new Uint8Array(10) }, opts)).rejects.toThrow(
      /cannot|not a readable/,
    );
  });
});

describe("ROS 1 codec", () => {
  it("round-trips Image and CompressedImage and rejects truncated bytes", () => {
    const m = msg({ data: Uint8Array.from({ length: 12 }, (_, i) => i) });
    const b = writeRos1Image(m);
    // seq(4) sec(4) nsec(4) frame_id(4+3) height width enc(4+4) bigendian(1) step(4) data(4+12)
    expect(b.length).toBe(4 + 4 + 4 + 7 + 4 + 4 + 8 + 1 + 4 + 16);
    expect(readRos1Image(b)).toEqual(m);
    const c = { header: hdr, format: "jpeg", data: Uint8Array.of(1, 2, 3) };
    expect(readRos1CompressedImage(writeRos1CompressedImage(c))).toEqual(c);
    expect(() => readRos1Image(b.subarray(0, b.length - 1))).toThrow(/truncated reading data/);
  });
});
