import { spawn, type ChildProcess } from "node:child_process";
import { stat } from "node:fs/promises";
import { makeFrame } from "../frames/frame.js";
import { InputError, errorMessage, problem, type Problem } from "../frames/problem.js";
import {
  ExactChunkReader,
  checkBinary,
  killProcess,
  missingBinary,
  onLines,
  parseLogLine,
  passthroughArgs,
  probeVideo,
  resolveFfmpegBinaries,
  waitExit,
  type FfmpegBinaryOptions,
} from "./ffmpeg.js";
import type { FrameSource, SourceEvent } from "./source.js";

/** Stamp rate used when neither the stream nor the options give a frame rate. */
export const DEFAULT_VIDEO_FPS = 30;

export interface VideoSourceOptions extends FfmpegBinaryOptions {
  readonly sourceId?: string;
  /**
   * Passed through as `-hwaccel <value>` before `-i` (e.g. `cuda`, `vaapi`, `auto`). Decoded
   * frames are downloaded to system memory by ffmpeg before the rgb24 conversion.
   * Unverified here: this machine has no GPU, so only the argument plumbing is tested.
   */
  readonly hwaccel?: string;
  /** Frame rate used for stamps when a frame has no PTS and the stream reports no rate. */
  readonly fps?: number;
}

/** How many decoder error lines one `decode-failed` problem quotes. */
const MAX_QUOTED_ERRORS = 5;

/** The ffmpeg command line for a video replay (exported for tests and `--dry-run` style logging). */
export function videoFfmpegArgs(path: string, hwaccel?: string, ffmpegVersion = "5.1"): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    // level+info: every stderr line carries its level; showinfo (per-frame PTS) logs at info.
    "-loglevel",
    "level+info",
    ...(hwaccel ? ["-hwaccel", hwaccel] : []),
    "-i",
    path,
    "-map",
    "0:v:0",
    "-an",
    "-sn",
    "-dn",
    // One output frame per decoded frame: no duplication/dropping to a constant rate.
    ...passthroughArgs(ffmpegVersion),
    "-vf",
    "showinfo",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "pipe:1",
  ];
}

/**
 * Parses ffmpeg's stderr for a replay: per-frame PTS from the `showinfo` filter and decoder
 * errors. Frame n's showinfo line is written before frame n reaches stdout, but the two pipes
 * are read independently, so `stampOf(n)` waits (briefly) for the line to arrive.
 */
class StderrMonitor {
  private tbNum = 0n;
  private tbDen = 0n;
  private readonly pts = new Map<number, bigint | null>();
  private errors: string[] = [];
  private ended = false;
  private waiters: (() => void)[] = [];

  constructor(child: ChildProcess) {
    if (!child.stderr) throw new Error("ffmpeg stderr is not piped");
    onLines(child.stderr, (line) => this.onLine(line));
    child.stderr.once("end", () => this.finish());
    child.once("exit", () => setTimeout(() => this.finish(), 50));
  }

  private onLine(line: string): void {
    const l = parseLogLine(line);
    if (!l) return;
    if (l.level === "error" || l.level === "fatal" || l.level === "panic") {
      this.errors.push(l.source ? `[${l.source}] ${l.text}` : l.text);
    } else if (l.source.startsWith("Parsed_showinfo")) {
      const tb = /config in time_base: (\d+)\/(\d+)/.exec(l.text);
      if (tb) {
        this.tbNum = BigInt(tb[1]!);
        this.tbDen = BigInt(tb[2]!);
      }
      const f = /^n:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)/.exec(l.text);
      if (f) {
        const pts = f[2] === "NOPTS" ? null : BigInt(f[2]!);
        this.pts.set(Number(f[1]), pts);
      }
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Decoder errors seen since the last call. */
  takeErrors(): string[] {
    const e = this.errors;
    this.errors = [];
    return e;
  }

  /** PTS of output frame n in ns (relative to the input start), or undefined if ffmpeg gave none. */
  async stampOf(n: number, timeoutMs = 2000): Promise<bigint | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.pts.has(n) && !this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const pts = this.pts.get(n);
    this.pts.delete(n);
    if (pts === undefined || pts === null || this.tbDen === 0n) return undefined;
    return (pts * this.tbNum * 1_000_000_000n) / this.tbDen;
  }
}

/**
 * Replays a video file through the system ffmpeg as rgb8 Frames.
 *
 * - Geometry, rate and frame count come from `ffprobe -show_streams` up front.
 * - Decoding: `ffmpeg … -i PATH -fps_mode passthrough -vf showinfo -f rawvideo -pix_fmt rgb24 pipe:1`;
 *   frames are exact `width·height·3`-byte chunks of stdout.
 * - Stamps: `stampNs` = the frame's presentation timestamp (showinfo `pts` × filter time base,
 *   ns, starting near 0 because ffmpeg shifts the input start to 0). Robust to variable frame
 *   rate and B-frame reordering since it is read after decoding, per output frame. A frame
 *   without PTS gets the previous stamp + 1/fps (fps from the stream, else `opts.fps`, else 30).
 * - Pull-based: stdout is read only when the consumer asks for the next event, so ffmpeg blocks
 *   on a full pipe and at most about one frame is buffered.
 * - Decoder errors on stderr become `decode-failed` problems (the replay continues); a truncated
 *   last frame becomes a `decode-failed` problem; a non-zero ffmpeg exit becomes `source-error`.
 * - Missing file or ffmpeg/ffprobe binary, or a file ffprobe cannot read → InputError (exit 2).
 */
export async function openVideoSource(path: string, opts: VideoSourceOptions = {}): Promise<FrameSource> {
  const input = `video:${path}`;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error("not a regular file");
  } catch (e) {
    throw new InputError(input, `cannot open video file (${errorMessage(e)})`);
  }
  const bins = resolveFfmpegBinaries(opts);
  const version = await checkBinary(bins.ffmpeg);
  await checkBinary(bins.ffprobe);
  const probe = await probeVideo(bins.ffprobe, path, input);
  const fps = probe.fps ?? opts.fps ?? DEFAULT_VIDEO_FPS;
  const periodNs = BigInt(Math.round(1e9 / fps));
  const sourceId = opts.sourceId ?? "video";
  const { width, height } = probe;
  const frameBytes = width * height * 3;

  let child: ChildProcess | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    closed = true;
    // Closing our end of stdout first unblocks an ffmpeg stuck on a full pipe (EPIPE), then SIGTERM.
    child?.stdout?.destroy();
    closing ??= child ? killProcess(child) : Promise.resolve();
    return closing;
  };

  function errorProblem(errs: string[], frameId: number | undefined): Problem {
    const shown = errs.slice(0, MAX_QUOTED_ERRORS).join("; ");
    const more = errs.length > MAX_QUOTED_ERRORS ? ` (+${errs.length - MAX_QUOTED_ERRORS} more)` : "";
    return problem("decode-failed", input, `ffmpeg: ${shown}${more}`, {
      sourceId,
      ...(frameId !== undefined ? { frameId } : {}),
    });
  }

  async function* events(): AsyncGenerator<SourceEvent> {
    if (closed) return;
    let spawnError: unknown;
    const proc = spawn(bins.ffmpeg, videoFfmpegArgs(path, opts.hwaccel, version), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.once("error", (e) => (spawnError = e));
    const monitor = new StderrMonitor(proc);
    const reader = new ExactChunkReader(proc.stdout);
    let lastStamp: bigint | undefined;
    try {
      for (let i = 0; !closed; i++) {
        const chunk = await reader.next(frameBytes);
        if (closed) break;
        const errs = monitor.takeErrors();
        if (errs.length > 0) yield errorProblem(errs, i);
        if (chunk === undefined) break;
        if (!(chunk instanceof Uint8Array)) {
          yield problem(
            "decode-failed",
            input,
            `truncated last frame: got ${chunk.partial} of ${frameBytes} bytes (${width}x${height} rgb8)`,
            { sourceId, frameId: i },
          );
          break;
        }
        const pts = await monitor.stampOf(i);
        const stampNs = pts ?? (lastStamp !== undefined ? lastStamp + periodNs : BigInt(i) * periodNs);
        lastStamp = stampNs;
        yield makeFrame({
          id: i,
          stampNs,
          sourceId,
          width,
          height,
          encoding: "rgb8",
          data: chunk,
          meta: { uri: path },
        });
      }
      if (spawnError !== undefined) throw missingBinary(bins.ffmpeg, spawnError);
      if (!closed) {
        const { code, signal } = await waitExit(proc);
        await new Promise((r) => setTimeout(r, 10));
        const errs = monitor.takeErrors();
        if (errs.length > 0) yield errorProblem(errs, undefined);
        if (code !== 0 && !closed) {
          yield problem("source-error", input, `ffmpeg exited with ${signal ?? `code ${code}`}`, {
            sourceId,
          });
        }
      }
    } finally {
      await reader.close().catch(() => undefined);
      await stop();
    }
  }

  return {
    id: sourceId,
    kind: "replay",
    frameCount: probe.frameCount,
    fps,
    events,
    close: stop,
  };
}
