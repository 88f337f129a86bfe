import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ExactChunkReader, parseLogLine, resolveFfmpegBinaries } from "../../../src/sources/ffmpeg.js";
import { videoFfmpegArgs } from "../../../src/sources/video.js";
import { cameraInputArgs } from "../../../src/sources/camera.js";

describe("ffmpeg helpers", () => {
  it("parses level-tagged log lines", () => {
    expect(parseLogLine("[mjpeg @ 0x55e00f86adc0] [error] error count: 71")).toEqual({
      source: "mjpeg",
      level: "error",
      text: "error count: 71",
    });
    expect(parseLogLine("[info] Input #0, mov")).toEqual({
      source: "",
      level: "info",
      text: "Input #0, mov",
    });
    expect(parseLogLine("plain text")).toBeUndefined();
  });

  it("resolves binaries: option, then env, then PATH; ffprobe beside an explicit ffmpeg", () => {
    expect(resolveFfmpegBinaries({ ffmpegPath: "/opt/ff/bin/ffmpeg" })).toEqual({
      ffmpeg: "/opt/ff/bin/ffmpeg",
      ffprobe: "/opt/ff/bin/ffprobe",
    });
    const saved = process.env.SEGSTREAM_FFMPEG;
    process.env.SEGSTREAM_FFMPEG = "/x/ffmpeg";
    try {
      expect(resolveFfmpegBinaries()).toEqual({ ffmpeg: "/x/ffmpeg", ffprobe: "/x/ffprobe" });
    } finally {
      if (saved === undefined) delete process.env.SEGSTREAM_FFMPEG;
      else process.env.SEGSTREAM_FFMPEG = saved;
    }
  });

  it("builds the video and camera command lines (hwaccel before -i)", () => {
    const a = videoFfmpegArgs("in.mp4", "cuda");
    expect(a.indexOf("-hwaccel")).toBeLessThan(a.indexOf("-i"));
    expect(a.slice(-5)).toEqual(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
    expect(
      cameraInputArgs({ inputFormat: "mjpeg", size: { width: 640, height: 480 }, framerate: 30 }),
    ).toEqual(["-f", "v4l2", "-input_format", "mjpeg", "-video_size", "640x480", "-framerate", "30"]);
  });

  it("ExactChunkReader reassembles exact frames across arbitrary chunks and reports a partial tail", async () => {
    const s = new PassThrough();
    const r = new ExactChunkReader(s);
    s.write(Uint8Array.of(1, 2));
    s.write(Uint8Array.of(3, 4, 5, 6, 7));
    s.end(Uint8Array.of(8));
    expect([...((await r.next(3)) as Uint8Array)]).toEqual([1, 2, 3]);
    expect([...((await r.next(3)) as Uint8Array)]).toEqual([4, 5, 6]);
    expect(await r.next(3)).toEqual({ partial: 2 });
    expect(await r.next(3)).toBeUndefined();
  });
});

describe("passthroughArgs", () => {
  it("uses -fps_mode from 5.1 and -vsync before", async () => {
    const { passthroughArgs } = await import("../../../src/sources/ffmpeg.js");
    expect(passthroughArgs("4.4.2-0ubuntu0.22.04.1")).toEqual(["-vsync", "passthrough"]);
    expect(passthroughArgs("5.0.1")).toEqual(["-vsync", "passthrough"]);
    expect(passthroughArgs("5.1.6-0+deb12u1")).toEqual(["-fps_mode", "passthrough"]);
    expect(passthroughArgs("7.1")).toEqual(["-fps_mode", "passthrough"]);
  });
});
