import { spawn, type ChildProcess } from "node:child_process";
import { stat } from "node:fs/promises";
import { makeFrame, type Frame } from "../frames/frame.js";
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

export interface CameraSourceOptions extends FfmpegBinaryOptions {
  readonly sourceId?: string;
  /** V4L2 pixel format asked of the device (`-input_format`), e.g. `mjpeg`, `yuyv422`. */
  readonly inputFormat?: string;
  /** Capture size asked of the device (`-video_size`), e.g. `{ width: 1280, height: 720 }`. */
  readonly size?: { readonly width: number; readonly height: number };
  /** Capture rate asked of the device (`-framerate`). */
  readonly framerate?: number;
}

/** A live source that also counts the frames it replaced before the consumer took them. */
export interface LiveFrameSource extends FrameSource {
  readonly kind: "live";
  /** Frames received but overwritten by a newer one before being taken (latest-wins). */
  readonly dropped: number;
}

/** Most recent problems kept while nobody is reading (older ones are dropped and counted). */
const MAX_PENDING_PROBLEMS = 16;

/** Wall clock (ns since the Unix epoch) with sub-millisecond resolution from the monotonic clock. */
const EPOCH_BASE_NS = BigInt(Date.now()) * 1_000_000n;
const HR_BASE_NS = process.hrtime.bigint();
export function wallClockNs(): bigint {
  return EPOCH_BASE_NS + (process.hrtime.bigint() - HR_BASE_NS);
}

/** `-f v4l2 [-input_format F] [-video_size WxH] [-framerate N]`: the options placed before `-i`. */
export function cameraInputArgs(opts: CameraSourceOptions = {}): string[] {
  return [
    "-f",
    "v4l2",
    ...(opts.inputFormat ? ["-input_format", opts.inputFormat] : []),
    ...(opts.size ? ["-video_size", `${opts.size.width}x${opts.size.height}`] : []),
    ...(opts.framerate ? ["-framerate", String(opts.framerate)] : []),
  ];
}

/**
 * Opens a V4L2 camera through the system ffmpeg
 * (`ffmpeg -f v4l2 [-input_format mjpeg] [-video_size WxH] [-framerate N] -i /dev/videoN … -f rawvideo -pix_fmt rgb24 pipe:1`).
 * See `openLiveFfmpegSource` for the live semantics. Missing device → InputError.
 */
export async function openCameraSource(
  device: string,
  opts: CameraSourceOptions = {},
): Promise<LiveFrameSource> {
  const input = `camera:${device}`;
  try {
    const st = await stat(device);
    if (!st.isCharacterDevice()) throw new Error("not a character device");
  } catch (e) {
    throw new InputError(
      input,
      `cannot open camera device (${errorMessage(e)})`,
      "list cameras with `ls /dev/video*` or `v4l2-ctl --list-devices`",
    );
  }
  return openLiveFfmpegSource(device, cameraInputArgs(opts), {
    ...opts,
    inputName: input,
    sourceId: opts.sourceId ?? "camera",
  });
}

/**
 * A live source from any ffmpeg input (a camera, or `-re -f lavfi -i testsrc` in tests).
 *
 * - kind `live`: ffmpeg's stdout is read continuously at the device's own rate (never paused,
 *   so the device is not throttled and frames don't go stale in the pipe).
 * - At most one decoded frame is held: a newer frame replaces an untaken one (latest-wins;
 *   `dropped` counts replacements). The pipeline applies its own latest-wins policy on top.
 * - `stampNs` = wall-clock receive time in ns since the Unix epoch, taken when the last byte of
 *   the frame arrived from ffmpeg (V4L2 driver timestamps are not exposed through rawvideo output;
 *   the difference is the ffmpeg decode + pipe delay, typically a few ms).
 * - ffmpeg errors become `source-error` problems; ffmpeg exiting ends the source with a problem.
 */
export async function openLiveFfmpegSource(
  input: string,
  inputArgs: readonly string[],
  opts: FfmpegBinaryOptions & { inputName: string; sourceId: string },
): Promise<LiveFrameSource> {
  const { inputName, sourceId } = opts;
  const bins = resolveFfmpegBinaries(opts);
  const version = await checkBinary(bins.ffmpeg);
  await checkBinary(bins.ffprobe);
  // ffprobe does not know `-re`; the rest (format, size, rate) is what ffmpeg will open.
  const probe = await probeVideo(
    bins.ffprobe,
    input,
    inputName,
    inputArgs.filter((a) => a !== "-re"),
  );
  const { width, height } = probe;
  const frameBytes = width * height * 3;

  let child: ChildProcess | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  let slot: Frame | undefined;
  let ended = false;
  let dropped = 0;
  const pending: Problem[] = [];
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const report = (p: Problem): void => {
    pending.push(p);
    if (pending.length > MAX_PENDING_PROBLEMS) pending.shift();
    notify();
  };

  const stop = (): Promise<void> => {
    closed = true;
    child?.stdout?.destroy();
    closing ??= child ? killProcess(child) : Promise.resolve();
    notify();
    return closing;
  };

  async function pump(proc: ChildProcess, reader: ExactChunkReader): Promise<void> {
    let spawnError: unknown;
    proc.once("error", (e) => (spawnError = e));
    for (let i = 0; !closed; i++) {
      const chunk = await reader.next(frameBytes);
      if (chunk === undefined || closed) break;
      if (!(chunk instanceof Uint8Array)) {
        report(
          problem(
            "decode-failed",
            inputName,
            `truncated last frame (${chunk.partial} of ${frameBytes} bytes)`,
            { sourceId, frameId: i },
          ),
        );
        break;
      }
      if (slot) dropped++;
      slot = makeFrame({
        id: i,
        stampNs: wallClockNs(),
        sourceId,
        width,
        height,
        encoding: "rgb8",
        data: chunk,
        meta: { uri: input },
      });
      notify();
    }
    if (spawnError !== undefined) {
      report(
        problem("source-error", inputName, missingBinary(bins.ffmpeg, spawnError).message, { sourceId }),
      );
    } else if (!closed) {
      const { code, signal } = await waitExit(proc);
      if (!closed)
        report(
          problem("source-error", inputName, `ffmpeg exited with ${signal ?? `code ${code}`}`, { sourceId }),
        );
    }
    ended = true;
    notify();
  }

  async function* events(): AsyncGenerator<SourceEvent> {
    if (closed) return;
    const proc = spawn(
      bins.ffmpeg,
      [
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "level+error",
        "-fflags",
        "nobuffer",
        ...inputArgs,
        "-i",
        input,
        "-map",
        "0:v:0",
        "-an",
        ...passthroughArgs(version),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    onLines(proc.stderr, (line) => {
      const l = parseLogLine(line);
      if (l && (l.level === "error" || l.level === "fatal" || l.level === "panic")) {
        report(
          problem("source-error", inputName, `ffmpeg: ${l.source ? `[${l.source}] ` : ""}${l.text}`, {
            sourceId,
          }),
        );
      }
    });
    const reader = new ExactChunkReader(proc.stdout);
    const pumping = pump(proc, reader).catch((e: unknown) => {
      report(problem("source-error", inputName, errorMessage(e), { sourceId }));
      ended = true;
      notify();
    });
    try {
      while (!closed) {
        const p = pending.shift();
        if (p) {
          yield p;
          continue;
        }
        if (slot) {
          const f = slot;
          slot = undefined;
          yield f;
          continue;
        }
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      await stop();
      await reader.close().catch(() => undefined);
      await pumping;
    }
  }

  return {
    id: sourceId,
    kind: "live",
    frameCount: undefined,
    fps: probe.fps,
    get dropped() {
      return dropped;
    },
    events,
    close: stop,
  };
}
