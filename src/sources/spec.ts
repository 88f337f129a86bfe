import { InputError } from "../frames/problem.js";
import { didYouMean } from "../util/suggest.js";
import { parseMcapSpec } from "./mcap.js";

/** A parsed source SPEC (DESIGN.md §4). */
export type SourceSpec =
  | { readonly type: "images"; readonly path: string }
  | { readonly type: "video"; readonly path: string }
  | { readonly type: "camera"; readonly device: string }
  | { readonly type: "mcap"; readonly path: string; readonly topic: string | undefined }
  | { readonly type: "ros"; readonly topic: string }
  | {
      readonly type: "synthetic";
      readonly seed: number;
      readonly width: number;
      readonly height: number;
      readonly fps: number;
    };

export const SOURCE_TYPES = ["images", "video", "camera", "mcap", "ros", "synthetic"] as const;

export const SYNTHETIC_DEFAULTS = { seed: 0, width: 1024, height: 512, fps: 17 } as const;

function parseSynthetic(spec: string, rest: string): SourceSpec {
  const out: { seed: number; width: number; height: number; fps: number } = { ...SYNTHETIC_DEFAULTS };
  if (rest === "") return { type: "synthetic", ...out };
  for (const part of rest.split(",")) {
    const [k, v] = part.split("=", 2) as [string, string | undefined];
    if (v === undefined || v === "") throw new InputError(spec, `expected key=value, got "${part}"`);
    switch (k) {
      case "seed": {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0)
          throw new InputError(spec, `seed must be an integer ≥ 0, got "${v}"`);
        out.seed = n;
        break;
      }
      case "size": {
        const m = /^(\d+)x(\d+)$/.exec(v);
        if (!m) throw new InputError(spec, `size must be WxH, got "${v}"`);
        out.width = Number(m[1]);
        out.height = Number(m[2]);
        break;
      }
      case "fps": {
        const n = Number(v);
        if (!(n > 0)) throw new InputError(spec, `fps must be > 0, got "${v}"`);
        out.fps = n;
        break;
      }
      default:
        throw new InputError(
          spec,
          `unknown synthetic option "${k}"${didYouMean(k, ["seed", "size", "fps"])}; options: seed=N, size=WxH, fps=N`,
        );
    }
  }
  return { type: "synthetic", ...out };
}

/** The spec a bare path most likely meant, judged by its form: `/dev/video0` → camera, `x.mcap` → mcap … */
function guessSpec(path: string): string {
  if (/^\/dev\/video\d+$/.test(path)) return `camera:${path}`;
  if (/\.mcap$/i.test(path)) return `mcap:${path}`;
  if (/\.(mp4|mkv|avi|mov|webm|m4v|ts|h264|h265|hevc)$/i.test(path)) return `video:${path}`;
  return `images:${path}`;
}

/** Parses `images:PATH` · `video:PATH` · `camera:/dev/videoN` · `mcap:FILE[#TOPIC]` · `ros:/topic` · `synthetic[:k=v,…]`. */
export function parseSourceSpec(spec: string): SourceSpec {
  const colon = spec.indexOf(":");
  const type = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? "" : spec.slice(colon + 1);
  switch (type) {
    case "synthetic":
      return parseSynthetic(spec, rest);
    case "images":
    case "video":
      if (!rest) throw new InputError(spec, `${type} source needs a path: ${type}:PATH`);
      return { type, path: rest };
    case "camera":
      if (!rest) throw new InputError(spec, "camera source needs a device: camera:/dev/videoN");
      return { type, device: rest };
    case "mcap": {
      if (!rest) throw new InputError(spec, "mcap source needs a file: mcap:FILE[#TOPIC]");
      return { type, ...parseMcapSpec(rest) };
    }
    case "ros":
      if (!rest.startsWith("/")) throw new InputError(spec, "ros source needs an absolute topic: ros:/topic");
      return { type, topic: rest };
    default:
      if (colon < 0) {
        // A bare path: say which type it most likely wants (by its form only; no I/O here).
        throw new InputError(
          spec,
          `no source type; expected TYPE:…, with TYPE one of ${SOURCE_TYPES.join(", ")}`,
          `did you mean ${guessSpec(spec)}?`,
        );
      }
      throw new InputError(
        spec,
        `unknown source type "${type}"${didYouMean(type, SOURCE_TYPES)}; expected one of ${SOURCE_TYPES.join(", ")} (e.g. images:PATH)`,
      );
  }
}
