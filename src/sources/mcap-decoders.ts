import { parse } from "@foxglove/rosmsg";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import type { McapTypes } from "@mcap/core";
import { readCdrImage } from "./cdr-image.js";
import { readRos1CompressedImage, readRos1Image } from "./ros1-image-codec.js";
import { ROS2_COMPRESSED_IMAGE_SCHEMA, ROS2_IMAGE_SCHEMA } from "./ros-msg-defs.js";
import type { CompressedImageMsg, ImageMsg } from "./ros-image.js";

/** A decoded image message of either kind. */
export type DecodedImage = { kind: "image"; msg: ImageMsg } | { kind: "compressed"; msg: CompressedImageMsg };

/** Decodes one message's bytes; throws on malformed data. */
export type ImageDecoder = (data: Uint8Array) => DecodedImage;

function cdrReader(kind: "image" | "compressed", schema: McapTypes.Schema | undefined): MessageReader {
  const builtIn = kind === "image" ? ROS2_IMAGE_SCHEMA.text : ROS2_COMPRESSED_IMAGE_SCHEMA.text;
  if (schema?.encoding === "ros2msg" && schema.data.length > 0) {
    try {
      return new MessageReader(parse(new TextDecoder().decode(schema.data), { ros2: true }));
    } catch {
      // fall through: the Image/CompressedImage layout is fixed, the built-in definition reads it
    }
  }
  return new MessageReader(parse(builtIn, { ros2: true }));
}

function checkImage(m: ImageMsg): ImageMsg {
  if (typeof m.encoding !== "string" || !(m.data instanceof Uint8Array))
    throw new TypeError("not an Image message");
  return m;
}

function checkCompressed(m: CompressedImageMsg): CompressedImageMsg {
  if (typeof m.format !== "string" || !(m.data instanceof Uint8Array))
    throw new TypeError("not a CompressedImage message");
  return m;
}

/**
 * Decoder for a channel, or a string saying why there is none. `cdr` (ROS 2) uses the channel's
 * `ros2msg` schema (the built-in Humble definition for `ros2idl` or missing schemas); `ros1` uses
 * the fixed ROS 1 layouts.
 */
export function decoderFor(
  kind: "image" | "compressed",
  messageEncoding: string,
  schema: McapTypes.Schema | undefined,
): ImageDecoder | string {
  if (messageEncoding === "cdr") {
    const reader = cdrReader(kind, schema);
    // Image: the fixed little-endian layout read in place (cdr-image.ts), else the generic reader.
    return kind === "image"
      ? (d) => ({ kind, msg: readCdrImage(d) ?? checkImage(reader.readMessage<ImageMsg>(d)) })
      : (d) => ({ kind, msg: checkCompressed(reader.readMessage<CompressedImageMsg>(d)) });
  }
  if (messageEncoding === "ros1") {
    return kind === "image"
      ? (d) => ({ kind, msg: readRos1Image(d) })
      : (d) => ({ kind, msg: readRos1CompressedImage(d) });
  }
  return `message encoding "${messageEncoding}" is not supported (expected cdr or ros1)`;
}
