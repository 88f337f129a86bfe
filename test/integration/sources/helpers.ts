import { execFileSync, spawn } from "node:child_process";
import type { FrameSource, SourceEvent } from "../../../src/sources/source.js";
import type { Frame } from "../../../src/frames/frame.js";
import { isProblem, type Problem } from "../../../src/frames/problem.js";

/** A distinct smooth pattern per frame: diagonal gradient, a moving bright block and a frame-coded tint. */
export function patternFrame(k: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const bx = (k * 7) % (width - 24);
  const by = (k * 5) % (height - 24);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inBlock = x >= bx && x < bx + 24 && y >= by && y < by + 24;
      out[i] = inBlock ? 240 : Math.round((x / width) * 200);
      out[i + 1] = inBlock ? 230 : Math.round((y / height) * 200);
      out[i + 2] = inBlock ? 20 : (k * 11) % 200;
    }
  }
  return out;
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Encodes raw rgb24 frames with the real ffmpeg. */
export async function encodeVideo(
  frames: readonly Uint8Array[],
  width: number,
  height: number,
  fps: number,
  out: string,
  codecArgs: readonly string[],
): Promise<void> {
  const p = spawn(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${width}x${height}`,
      "-r",
      String(fps),
      "-i",
      "pipe:0",
      ...codecArgs,
      out,
    ],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let err = "";
  p.stderr.on("data", (b: Buffer) => (err += b.toString()));
  for (const f of frames) {
    if (!p.stdin.write(f)) await new Promise((r) => p.stdin.once("drain", r));
  }
  p.stdin.end();
  const code = await new Promise<number | null>((r) => p.once("close", r));
  if (code !== 0) throw new Error(`ffmpeg encode failed: ${err}`);
}

export async function collect(src: FrameSource): Promise<{ frames: Frame[]; problems: Problem[] }> {
  const frames: Frame[] = [];
  const problems: Problem[] = [];
  for await (const e of src.events()) {
    if (isProblem(e)) problems.push(e);
    else frames.push(e);
  }
  return { frames, problems };
}

export function isFrame(e: SourceEvent): e is Frame {
  return !isProblem(e);
}

/** Child processes of this process named `name` (with their ps state, e.g. "S", "Z"). */
export function childProcesses(name: string): { pid: number; state: string }[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,stat=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p[2] === name)
    .map((p) => ({ pid: Number(p[0]), state: p[1] ?? "" }));
}
