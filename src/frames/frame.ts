/** Pixel encodings carried by a Frame (ROS 2 `sensor_msgs/Image` names). */
export type Encoding = "rgb8" | "bgr8" | "mono8" | "mono16";

/** A decoded image: tightly packed rows; mono16 data is little-endian uint16. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly encoding: Encoding;
  readonly data: Uint8Array;
}

export const BYTES_PER_PIXEL: Readonly<Record<Encoding, number>> = {
  rgb8: 3,
  bgr8: 3,
  mono8: 1,
  mono16: 2,
};

/**
 * One image moving through the graph. `stampNs` is the capture time (ROS header stamp,
 * video PTS, timestamp file) carried end to end so that latency = publish − capture.
 * `data` is tightly packed rows (step = width × bytes per pixel); mono16 is little-endian.
 */
export interface Frame {
  /** Monotonic index within its source, starting at 0. */
  readonly id: number;
  readonly stampNs: bigint;
  readonly sourceId: string;
  readonly width: number;
  readonly height: number;
  readonly encoding: Encoding;
  readonly data: Uint8Array;
  readonly meta: FrameMeta;
}

export interface FrameMeta {
  /** Cityscapes stem `<city>_<seq>_<frame>` when known; prediction files are named after it. */
  readonly stem?: string;
  /** File or URI the frame came from. */
  readonly uri?: string;
  /** ROS frame_id, copied to outputs. */
  readonly frameId?: string;
  readonly [key: string]: unknown;
}

/** Builds a Frame, checking that the buffer length matches width × height × bpp. */
export function makeFrame(init: {
  id: number;
  stampNs: bigint;
  sourceId: string;
  width: number;
  height: number;
  encoding: Encoding;
  data: Uint8Array;
  meta?: FrameMeta;
}): Frame {
  const { width, height, encoding, data } = init;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`Frame size must be positive integers, got ${width}x${height}`);
  }
  const expected = width * height * BYTES_PER_PIXEL[encoding];
  if (data.length !== expected) {
    throw new RangeError(
      `Frame data length ${data.length} does not match ${width}x${height} ${encoding} (expected ${expected} bytes)`,
    );
  }
  return { ...init, meta: init.meta ?? {} };
}
