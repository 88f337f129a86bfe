import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError, isProblem } from "../../../src/frames/problem.js";
import { openCameraSource, openLiveFfmpegSource, wallClockNs } from "../../../src/sources/camera.js";
import { childProcesses } from "./helpers.js";

const devices = readdirSync("/dev")
  .filter((n) => /^video\d+$/.test(n))
  .map((n) => `/dev/${n}`);
if (devices.length === 0) console.log("camera device test skipped: no /dev/video* device on this machine");

describe("camera source", () => {
  it.skipIf(devices.length === 0)("captures live frames from a /dev/video* device", async () => {
    const src = await openCameraSource(devices[0]!);
    expect(src.kind).toBe("live");
    const it = src.events()[Symbol.asyncIterator]();
    let got = 0;
    const t0 = wallClockNs();
    while (got < 3) {
      const r = await it.next();
      if (r.done) break;
      if (isProblem(r.value)) continue;
      expect(r.value.stampNs).toBeGreaterThanOrEqual(t0);
      got++;
    }
    await src.close();
    await it.return?.();
    expect(got).toBe(3);
    expect(childProcesses("ffmpeg")).toEqual([]);
  });

  it("missing device → InputError naming it", async () => {
    const err = await openCameraSource("/dev/video-segstream-none").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain("camera:/dev/video-segstream-none");
  });

  it("live semantics (ffmpeg lavfi test source at 25 fps): wall-clock stamps, latest-wins, clean close", async () => {
    const src = await openLiveFfmpegSource("testsrc=size=64x48:rate=25", ["-re", "-f", "lavfi"], {
      inputName: "lavfi:testsrc",
      sourceId: "cam",
    });
    expect(src.kind).toBe("live");
    expect(src.fps).toBe(25);
    const it = src.events()[Symbol.asyncIterator]();
    const before = wallClockNs();
    const first = await it.next();
    expect(first.done).toBe(false);
    if (first.done || isProblem(first.value)) throw new Error("expected a frame");
    const f0 = first.value;
    expect([f0.width, f0.height, f0.encoding]).toEqual([64, 48, "rgb8"]);
    expect(f0.stampNs).toBeGreaterThanOrEqual(before);
    expect(f0.stampNs).toBeLessThanOrEqual(wallClockNs());
    // A slow consumer: ~10 frames arrive while we wait; only the newest is handed over.
    await new Promise((r) => setTimeout(r, 450));
    const next = await it.next();
    if (next.done || isProblem(next.value)) throw new Error("expected a frame");
    expect(next.value.id).toBeGreaterThan(f0.id + 5);
    expect(src.dropped).toBeGreaterThan(5);
    // Stamp is the receive time of that newest frame, not of one queued right after f0: it was
    // received late in the 450 ms wait (relative to f0, so a loaded machine does not matter).
    expect(next.value.stampNs - f0.stampNs).toBeGreaterThan(300_000_000n);
    await src.close();
    const end = await it.next();
    expect(end.done).toBe(true);
    expect(childProcesses("ffmpeg")).toEqual([]);
  });
});
