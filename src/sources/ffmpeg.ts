import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { InputError, errorMessage } from "../frames/problem.js";

/**
 * Helpers around the system `ffmpeg`/`ffprobe` binaries (DESIGN §8: the native binary via
 * child_process, not a wasm build). Binary resolution order: explicit option, then the
 * `SEGSTREAM_FFMPEG` / `SEGSTREAM_FFPROBE` environment variables, then `ffmpeg`/`ffprobe` on PATH.
 * When only the ffmpeg path is given, ffprobe is looked up beside it.
 */

export const FFMPEG_INSTALL_HINT =
  "install ffmpeg (Debian/Ubuntu: `apt-get install ffmpeg`) or point SEGSTREAM_FFMPEG / SEGSTREAM_FFPROBE at the binaries";

export interface FfmpegBinaries {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

export interface FfmpegBinaryOptions {
  /** Path (or PATH name) of the ffmpeg binary. Default: `$SEGSTREAM_FFMPEG` or `ffmpeg`. */
  readonly ffmpegPath?: string;
  /** Path of ffprobe. Default: `$SEGSTREAM_FFPROBE`, else beside an explicit ffmpeg path, else `ffprobe`. */
  readonly ffprobePath?: string;
}

export function resolveFfmpegBinaries(opts: FfmpegBinaryOptions = {}): FfmpegBinaries {
  const envFfmpeg = process.env.SEGSTREAM_FFMPEG || undefined;
  const envFfprobe = process.env.SEGSTREAM_FFPROBE || undefined;
  const ffmpeg = opts.ffmpegPath ?? envFfmpeg ?? "ffmpeg";
  const sibling = ffmpeg.includes("/") ? join(dirname(ffmpeg), "ffprobe") : undefined;
  const ffprobe =
    opts.ffprobePath ?? (opts.ffmpegPath ? sibling : undefined) ?? envFfprobe ?? sibling ?? "ffprobe";
  return { ffmpeg, ffprobe };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a binary to completion and collects its output. A binary that cannot be started
 * (ENOENT, EACCES) becomes an InputError naming it, with the ffmpeg install hint.
 */
export function runBinary(bin: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    } catch (e) {
      reject(missingBinary(bin, e));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.once("error", (e) => reject(missingBinary(bin, e)));
    child.once("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

export function missingBinary(bin: string, e: unknown): InputError {
  const code = (e as { code?: unknown } | undefined)?.code;
  const why = code === "ENOENT" ? "not found" : code === "EACCES" ? "not executable" : errorMessage(e);
  return new InputError(bin, `cannot run ffmpeg binary (${why})`, FFMPEG_INSTALL_HINT);
}

const checked = new Map<string, string>();

/**
 * Checks once per path that the binary starts (`-version`) and returns its version string
 * (e.g. "5.1.6-0+deb12u1"); throws InputError with the install hint.
 */
export async function checkBinary(bin: string): Promise<string> {
  const known = checked.get(bin);
  if (known !== undefined) return known;
  const r = await runBinary(bin, ["-hide_banner", "-version"], 10_000);
  if (r.code !== 0) {
    throw new InputError(
      bin,
      `\`${bin} -version\` failed (${r.stderr.trim() || `exit ${r.code}`})`,
      FFMPEG_INSTALL_HINT,
    );
  }
  const version = /version (\S+)/.exec(r.stdout)?.[1] ?? "unknown";
  checked.set(bin, version);
  return version;
}

/**
 * The option that keeps one output frame per decoded frame: `-fps_mode passthrough` from
 * ffmpeg 5.1 on, `-vsync passthrough` before (Ubuntu 22.04 / ROS 2 Humble ships 4.4).
 */
export function passthroughArgs(version: string): string[] {
  const m = /^n?(\d+)\.(\d+)/.exec(version);
  const old = m !== null && (Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 1));
  return old ? ["-vsync", "passthrough"] : ["-fps_mode", "passthrough"];
}

/** The first video stream as reported by `ffprobe -of json -show_streams`. */
export interface ProbedVideo {
  readonly width: number;
  readonly height: number;
  /** Frames per second from avg_frame_rate (else r_frame_rate); undefined when unknown. */
  readonly fps: number | undefined;
  /** nb_frames when the container records it (MP4/MOV do, Matroska/streams don't). */
  readonly frameCount: number | undefined;
  readonly codec: string;
}

function parseRate(r: unknown): number | undefined {
  if (typeof r !== "string") return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(r);
  if (!m) return undefined;
  const v = Number(m[1]) / Number(m[2]);
  return Number.isFinite(v) && v > 0 && v < 10_000 ? v : undefined;
}

/**
 * Probes the first video stream of an input. `inputArgs` are the options placed before `-i`
 * (e.g. `-f v4l2`). Throws InputError naming `inputName` when ffprobe cannot read it.
 */
export async function probeVideo(
  ffprobe: string,
  input: string,
  inputName: string,
  inputArgs: readonly string[] = [],
): Promise<ProbedVideo> {
  const r = await runBinary(ffprobe, [
    "-v",
    "error",
    ...inputArgs,
    "-select_streams",
    "v:0",
    "-of",
    "json",
    "-show_streams",
    "-i",
    input,
  ]);
  if (r.code !== 0) {
    const msg = r.stderr.trim().split("\n").pop() ?? `exit ${r.code}`;
    throw new InputError(inputName, `cannot read as video (ffprobe: ${msg.replace(/^.*?: /, "")})`);
  }
  let streams: unknown[] = [];
  try {
    const parsed = JSON.parse(r.stdout) as { streams?: unknown[] };
    streams = parsed.streams ?? [];
  } catch (e) {
    throw new InputError(inputName, `ffprobe printed unreadable JSON (${errorMessage(e)})`);
  }
  const s = streams[0] as Record<string, unknown> | undefined;
  if (!s) throw new InputError(inputName, "no video stream found");
  const width = Number(s.width);
  const height = Number(s.height);
  if (!(width > 0 && height > 0)) throw new InputError(inputName, "video stream has no frame size");
  const nb = Number(s.nb_frames);
  return {
    width,
    height,
    fps: parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate),
    frameCount: Number.isInteger(nb) && nb > 0 ? nb : undefined,
    codec: typeof s.codec_name === "string" ? s.codec_name : "unknown",
  };
}

/** Splits a stream into lines (handles `\r` progress lines too) and calls `onLine` for each. */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (s: string) => {
    const parts = (rest + s).split(/\r?\n|\r/);
    rest = parts.pop() ?? "";
    for (const p of parts) onLine(p);
  });
  stream.on("end", () => {
    if (rest) onLine(rest);
    rest = "";
  });
}

/**
 * Reads exact `size`-byte chunks from a stream, pull-based: data is only read from the stream
 * when `next()` is awaited, so the OS pipe fills and ffmpeg blocks while the consumer is busy
 * (at most one frame plus the stream's high-water mark is buffered here).
 * `next()` returns a full chunk, `{ partial }` for a truncated last chunk, or undefined at the end.
 */
export class ExactChunkReader {
  private readonly it: AsyncIterator<Buffer>;
  private pending: Buffer | undefined;
  private done = false;

  constructor(stream: Readable) {
    this.it = (stream[Symbol.asyncIterator] as () => AsyncIterator<Buffer>).call(stream);
  }

  async next(size: number): Promise<Uint8Array | { partial: number } | undefined> {
    const out = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      let chunk = this.pending;
      this.pending = undefined;
      if (!chunk) {
        if (this.done) break;
        let r: IteratorResult<Buffer>;
        try {
          r = await this.it.next();
        } catch (e) {
          // Our own close() destroys the stream: that is an end, not an error.
          if ((e as { code?: unknown }).code !== "ERR_STREAM_PREMATURE_CLOSE") throw e;
          r = { done: true, value: undefined };
        }
        if (r.done) {
          this.done = true;
          break;
        }
        chunk = r.value;
      }
      const take = Math.min(size - filled, chunk.length);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.pending = chunk.subarray(take);
    }
    if (filled === size) return out;
    return filled === 0 ? undefined : { partial: filled };
  }

  /** Stops reading (destroys the stream). */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }
}

/**
 * Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited
 * (so no zombie is left behind). Safe to call on an already exited process.
 */
export function killProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (!child.kill("SIGTERM")) {
      // The process is gone already (or cannot be signalled); "exit" may still be pending.
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        clearTimeout(timer);
        resolve();
      }
    }
  });
}

/** Resolves when the child has exited, with its exit code and signal. */
export function waitExit(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** A `[level]` tag from `-loglevel level+…` output, and the message after it. */
export function parseLogLine(line: string): { level: string; source: string; text: string } | undefined {
  const m =
    /^(?:\[([^\]]+?) @ 0x[0-9a-f]+\] )?\[(quiet|panic|fatal|error|warning|info|verbose|debug|trace)\] ?(.*)$/.exec(
      line,
    );
  if (!m) return undefined;
  return { source: m[1] ?? "", level: m[2]!, text: m[3] ?? "" };
}
