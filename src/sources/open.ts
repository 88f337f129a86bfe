import { InputError } from "../frames/problem.js";
import type { SourceConfig } from "../config/schema.js";
import { openCameraSource } from "./camera.js";
import { openImagesSource } from "./images.js";
import { openMcapSource } from "./mcap.js";
import { openSyntheticSource } from "./synthetic.js";
import { openVideoSource } from "./video.js";
import type { FrameSource } from "./source.js";
import { parseSourceSpec, type SourceSpec } from "./spec.js";

export interface OpenOptions {
  /** Default source id when the config gives none: `cam<index>`. */
  readonly index: number;
}

/** Opens a configured source. Bad specs, missing files and missing binaries are InputErrors (exit 2). */
export async function openSource(
  cfg: SourceConfig,
  opts: OpenOptions,
): Promise<{ source: FrameSource; spec: SourceSpec }> {
  const c = typeof cfg === "string" ? { spec: cfg } : cfg;
  const spec = parseSourceSpec(c.spec);
  const sourceId = ("id" in c ? c.id : undefined) ?? `cam${opts.index}`;
  const fps = "fps" in c ? c.fps : undefined;
  switch (spec.type) {
    case "images":
      return {
        spec,
        source: await openImagesSource(spec.path, { sourceId, ...(fps !== undefined ? { fps } : {}) }),
      };
    case "video":
      return {
        spec,
        source: await openVideoSource(spec.path, {
          sourceId,
          ...(fps !== undefined ? { fps } : {}),
          ...("hwaccel" in c && c.hwaccel !== undefined ? { hwaccel: c.hwaccel } : {}),
        }),
      };
    case "camera":
      return {
        spec,
        source: await openCameraSource(spec.device, {
          sourceId,
          ...(fps !== undefined ? { framerate: fps } : {}),
        }),
      };
    case "mcap":
      return {
        spec,
        source: await openMcapSource(spec.path, {
          sourceId,
          ...(spec.topic !== undefined ? { topic: spec.topic } : {}),
        }),
      };
    case "synthetic":
      return {
        spec,
        source: openSyntheticSource({
          sourceId,
          seed: spec.seed,
          width: spec.width,
          height: spec.height,
          fps: fps ?? spec.fps,
        }),
      };
    case "ros":
      throw new InputError(
        c.spec,
        "the ROS 2 source is not available in this build yet",
        "record the topic with `ros2 bag record -s mcap` and replay it with mcap:FILE#TOPIC",
      );
  }
}
