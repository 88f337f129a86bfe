import { describe, expect, it } from "vitest";
import { LoopLag } from "../../../src/util/loop-lag.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("LoopLag", () => {
  it("reads about 0 on an idle loop: the 1 ms timer period is not lag", async () => {
    const lag = new LoopLag().start();
    await sleep(300);
    lag.stop();
    const s = lag.summary()!;
    expect(s.samples).toBeGreaterThan(50);
    // Node's raw histogram records the interval between timer callbacks, never below 1 ms.
    expect(s.p50).toBeLessThan(0.9);
    expect(s.p50).toBeGreaterThanOrEqual(0);
  });

  it("shows a 20 ms block as about 20 ms, and nothing after stop()", async () => {
    const lag = new LoopLag().start();
    await sleep(50);
    const t0 = performance.now();
    while (performance.now() - t0 < 20) {
      // block the loop
    }
    await sleep(50);
    lag.stop();
    const after = lag.summary()!;
    expect(after.max).toBeGreaterThanOrEqual(19);
    expect(after.max).toBeLessThan(80);
    const t1 = performance.now();
    while (performance.now() - t1 < 60) {
      // not sampled
    }
    await sleep(10);
    expect(lag.summary()!.max).toBe(after.max);
    lag.reset();
    expect(lag.summary()).toBeUndefined();
  });
});
