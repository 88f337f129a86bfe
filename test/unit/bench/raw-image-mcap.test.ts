import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RAW_IMAGE_TOPIC, writeRawImageMcap } from "../../../bench/raw-image-mcap.js";
import { openMcapSource } from "../../../src/sources/mcap.js";
import { collect } from "../../integration/sources/helpers.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("bench/raw-image-mcap", () => {
  it("writes a ROS 2 bag that segstream's mcap source replays with the same pixels, in order, at the fps", async () => {
    const dir = await mkdtemp(join(tmpdir(), "segstream-rawbag-"));
    dirs.push(dir);
    const [w, h] = [37, 11];
    // Frames larger than one 4 MiB chunk in total, so the bag has several chunks.
    const frames = Array.from({ length: 5 }, (_, k) => ({
      width: w,
      height: h,
      rgb: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7 + k * 31) & 0xff),
    }));
    const big = { width: 1024, height: 1024, rgb: new Uint8Array(3 * 1024 * 1024).fill(9) };
    const file = join(dir, "raw.mcap");
    await writeRawImageMcap(file, [...frames, big, big], 17);
    const src = await openMcapSource(file, { topic: RAW_IMAGE_TOPIC });
    expect(src.frameCount).toBe(7);
    const { frames: got, problems } = await collect(src);
    expect(problems).toEqual([]);
    expect(got).toHaveLength(7);
    for (let k = 0; k < 5; k++) {
      expect([got[k]!.width, got[k]!.height, got[k]!.encoding]).toEqual([w, h, "rgb8"]);
      expect(Buffer.from(got[k]!.data).equals(Buffer.from(frames[k]!.rgb))).toBe(true);
      // Header stamps at 17 fps: k · 10⁹ / 17 ns, truncated.
      expect(got[k]!.stampNs).toBe((BigInt(k) * 1_000_000_000n) / 17n);
    }
    expect(got[6]!.data.every((v) => v === 9)).toBe(true);
  });
});
