import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/frames/problem.js";
import {
  expandProviders,
  ortProviderEntry,
  selectProvider,
  staticAvailability,
  tensorRtOrtOptions,
  unappliedOptionWarnings,
  type ProviderAttempt,
  type ProviderName,
} from "../../../src/inference/providers.js";

function captureLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: "info" }, stream), lines };
}

/** This machine: no GPU binaries; the CPU EP works. */
const cpuOnly = (p: ProviderName): Promise<ProviderAttempt<string>> =>
  Promise.resolve(
    p === "cpu"
      ? { provider: p, ok: true, value: "session" }
      : { provider: p, ok: false, reason: `libonnxruntime_providers_${p}.so is not installed` },
  );

describe("selectProvider", () => {
  it("[tensorrt, cuda, cpu] selects cpu and logs why the others were skipped", async () => {
    const { log, lines } = captureLogger();
    const sel = await selectProvider(expandProviders(["tensorrt", "cuda", "cpu"]), cpuOnly, log);
    expect(sel.provider).toBe("cpu");
    expect(sel.value).toBe("session");
    expect(sel.attempts.map((a) => a.provider)).toEqual(["tensorrt", "cuda", "cpu"]);
    const warn = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warn).toEqual([
      "execution provider tensorrt unavailable: libonnxruntime_providers_tensorrt.so is not installed",
      "execution provider cuda unavailable: libonnxruntime_providers_cuda.so is not installed",
    ]);
    expect(lines.find((l) => l.level === 30)?.msg).toBe("execution provider: cpu");
  });

  it('"auto" is tensorrt → cuda → cpu', async () => {
    expect(expandProviders("auto")).toEqual(["tensorrt", "cuda", "cpu"]);
    const order: ProviderName[] = [];
    await selectProvider(expandProviders("auto"), (p) => {
      order.push(p);
      return cpuOnly(p);
    });
    expect(order).toEqual(["tensorrt", "cuda", "cpu"]);
  });

  it("stops at the first provider that works", async () => {
    const tried: ProviderName[] = [];
    const sel = await selectProvider(["cuda", "cpu"], (p) => {
      tried.push(p);
      return Promise.resolve({ provider: p, ok: true, value: p });
    });
    expect(sel.provider).toBe("cuda");
    expect(tried).toEqual(["cuda"]);
  });

  it("[cuda] alone → InputError with the GPU install hint", async () => {
    const err = await selectProvider(["cuda"], cpuOnly).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const ie = err as InputError;
    expect(ie.message).toContain("no usable execution provider");
    expect(ie.message).toContain("cuda: libonnxruntime_providers_cuda.so is not installed");
    expect(ie.hint).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node");
  });

  it("a throwing creator counts as unavailable, with its message", async () => {
    const sel = await selectProvider(["tensorrt", "cpu"], (p) =>
      p === "tensorrt" ? Promise.reject(new Error("Failed to load shared library")) : cpuOnly(p),
    );
    expect(sel.attempts[0]).toEqual({
      provider: "tensorrt",
      ok: false,
      reason: "Failed to load shared library",
    });
  });

  it("an empty list is bad input", () => {
    expect(() => expandProviders([])).toThrow(InputError);
  });
});

describe("provider options", () => {
  it("maps TensorRT options to ORT trt_* names", () => {
    expect(
      tensorRtOrtOptions({ deviceId: 1, fp16: true, engineCacheDir: "/c/e", timingCacheDir: "/c/t" }),
    ).toEqual({
      device_id: 1,
      trt_fp16_enable: true,
      trt_engine_cache_enable: true,
      trt_engine_cache_path: "/c/e",
      trt_timing_cache_enable: true,
      trt_timing_cache_path: "/c/t",
    });
    expect(ortProviderEntry("tensorrt", { tensorrt: { deviceId: 1 } })).toMatchObject({
      name: "tensorrt",
      deviceId: 1,
    });
    expect(ortProviderEntry("cuda", { cuda: { deviceId: 2 } })).toEqual({ name: "cuda", deviceId: 2 });
    expect(ortProviderEntry("cpu")).toEqual({ name: "cpu" });
    expect(unappliedOptionWarnings("tensorrt", { tensorrt: { fp16: true } })[0]).toContain("fp16");
    expect(unappliedOptionWarnings("cuda", {})).toEqual([]);
  });

  it("static availability: compiled-in backend and installed library", () => {
    const backends = [
      { name: "cpu", bundled: true },
      { name: "cuda", bundled: false },
      { name: "tensorrt", bundled: false },
    ];
    expect(staticAvailability("cpu", backends, () => false)).toEqual({ ok: true });
    const r = staticAvailability("cuda", backends, () => false);
    expect(r.ok).toBe(false);
    expect(staticAvailability("cuda", backends, (f) => f === "libonnxruntime_providers_cuda.so")).toEqual({
      ok: true,
    });
    expect(staticAvailability("tensorrt", [{ name: "cpu", bundled: true }], () => true).ok).toBe(false);
  });
});
