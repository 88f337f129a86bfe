import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { RunMetrics } from "../../../src/pipeline/metrics.js";

/** Holds the event loop for `ms` (a long task on the main thread). */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe("RunMetrics event-loop lag", () => {
  it("is absent before any frame came out", () => {
    const m = new RunMetrics();
    m.finish();
    expect(m.summary().eventLoopLagMs).toBeUndefined();
  });

  it("measures the main thread's delays from the first frame out to finish()", async () => {
    const m = new RunMetrics();
    block(200); // before the first frame: start-up, not counted
    await sleep(5);
    m.frameOut(performance.now(), { run: 1 });
    await sleep(20);
    block(40); // a 40 ms task while frames flow
    await sleep(20);
    m.finish();
    block(200); // after finish(): not counted
    await sleep(5);
    const lag = m.summary().eventLoopLagMs;
    expect(lag).toBeDefined();
    expect(lag!.max).toBeGreaterThanOrEqual(35);
    expect(lag!.max).toBeLessThan(150); // neither 200 ms block counted
    expect(lag!.p50).toBeLessThanOrEqual(lag!.p99);
    expect(lag!.p99).toBeLessThanOrEqual(lag!.max);
  });
});
