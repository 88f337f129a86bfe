import type { Problem, ProblemCode } from "../frames/problem.js";
import { LoopLag } from "../util/loop-lag.js";

/**
 * A fixed-size latency histogram: log-spaced bins from 0.01 ms to ~10 min, ~1 % resolution.
 * Memory stays constant however long the run (bounded memory is a rule here).
 */
export class Histogram {
  private static readonly MIN = 0.01;
  private static readonly GROWTH = 1.01;
  private static readonly BINS = 1800;
  private readonly counts = new Float64Array(Histogram.BINS);
  private n = 0;
  private sum = 0;
  private maxSeen = 0;

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const idx =
      ms <= Histogram.MIN
        ? 0
        : Math.min(
            Histogram.BINS - 1,
            Math.floor(Math.log(ms / Histogram.MIN) / Math.log(Histogram.GROWTH)) + 1,
          );
    this.counts[idx]!++;
    this.n++;
    this.sum += ms;
    if (ms > this.maxSeen) this.maxSeen = ms;
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  get max(): number {
    return this.maxSeen;
  }

  /** The q-quantile (0..1), as the upper edge of its bin (≤ 1 % high), capped at the max seen. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const target = Math.max(1, Math.ceil(q * this.n));
    let acc = 0;
    for (let i = 0; i < Histogram.BINS; i++) {
      acc += this.counts[i]!;
      if (acc >= target) {
        const upper = i === 0 ? Histogram.MIN : Histogram.MIN * Histogram.GROWTH ** i;
        return Math.min(upper, this.maxSeen);
      }
    }
    return this.maxSeen;
  }
}

export interface Summary {
  readonly frames: number;
  readonly framesIn: number;
  readonly seconds: number;
  readonly fps: number;
  /** Publish time − ingest time (ms), over processed frames. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  /**
   * Main-thread event-loop lag (ms: how late a 1 ms timer fired, util/loop-lag.ts) from the
   * first processed frame to the end of the run (DESIGN.md §7: p99 ≤ 5 ms while inferring);
   * absent when no frame came out.
   */
  readonly eventLoopLagMs?: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Now − capture stamp (ms), for live sources whose stamps are wall-clock. */
  readonly ageMs?: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly stagesMs: Readonly<Record<string, number>>;
  readonly drops: number;
  readonly dropsBySource: Readonly<Record<string, number>>;
  readonly problems: number;
  readonly problemsByCode: Readonly<Partial<Record<ProblemCode, number>>>;
  readonly failedFrames: number;
  readonly sinks: Readonly<Record<string, { written: number; dropped: number; failed: number }>>;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** Counters for one run: frames, fps, latency, per-stage times, drops and problems. */
export class RunMetrics {
  private readonly started = performance.now();
  private readonly latency = new Histogram();
  private readonly age = new Histogram();
  private readonly stages = new Map<string, Histogram>();
  private readonly drops = new Map<string, number>();
  private readonly problemCounts = new Map<ProblemCode, number>();
  private readonly sinkCounts = new Map<string, { written: number; dropped: number; failed: number }>();
  framesIn = 0;
  framesOut = 0;
  failedFrames = 0;
  private finished: number | undefined;
  /** Started at the first frame out (start-up's module loading and warm-up left out). */
  private lag: LoopLag | undefined;

  frameIn(): void {
    this.framesIn++;
  }

  frameOut(ingestMs: number, timings: Readonly<Record<string, number>>, wallClockStampNs?: bigint): void {
    this.framesOut++;
    if (this.lag === undefined && this.finished === undefined) {
      this.lag = new LoopLag().start();
    }
    const now = performance.now();
    this.latency.add(now - ingestMs);
    if (wallClockStampNs !== undefined) this.age.add(Date.now() - Number(wallClockStampNs / 1_000_000n));
    for (const [k, v] of Object.entries(timings)) {
      let h = this.stages.get(k);
      if (h === undefined) this.stages.set(k, (h = new Histogram()));
      h.add(v);
    }
  }

  drop(sourceId: string): void {
    this.drops.set(sourceId, (this.drops.get(sourceId) ?? 0) + 1);
  }

  problem(p: Problem): void {
    this.problemCounts.set(p.code, (this.problemCounts.get(p.code) ?? 0) + 1);
  }

  sink(name: string, what: "written" | "dropped" | "failed"): void {
    let c = this.sinkCounts.get(name);
    if (c === undefined) this.sinkCounts.set(name, (c = { written: 0, dropped: 0, failed: 0 }));
    c[what]++;
  }

  get dropCount(): number {
    let n = 0;
    for (const v of this.drops.values()) n += v;
    return n;
  }

  finish(): void {
    this.finished ??= performance.now();
    this.lag?.stop();
  }

  summary(): Summary {
    const seconds = ((this.finished ?? performance.now()) - this.started) / 1000;
    let problems = 0;
    for (const v of this.problemCounts.values()) problems += v;
    const lag = this.lag?.summary();
    return {
      frames: this.framesOut,
      framesIn: this.framesIn,
      seconds: round(seconds),
      fps: round(seconds > 0 ? this.framesOut / seconds : 0),
      latencyMs: {
        p50: round(this.latency.quantile(0.5)),
        p95: round(this.latency.quantile(0.95)),
        p99: round(this.latency.quantile(0.99)),
        max: round(this.latency.max),
      },
      ...(lag !== undefined
        ? { eventLoopLagMs: { p50: round(lag.p50), p99: round(lag.p99), max: round(lag.max) } }
        : {}),
      ...(this.age.count > 0
        ? {
            ageMs: {
              p50: round(this.age.quantile(0.5)),
              p95: round(this.age.quantile(0.95)),
              p99: round(this.age.quantile(0.99)),
            },
          }
        : {}),
      stagesMs: Object.fromEntries([...this.stages].map(([k, h]) => [k, round(h.mean)])),
      drops: this.dropCount,
      dropsBySource: Object.fromEntries(this.drops),
      problems,
      problemsByCode: Object.fromEntries(this.problemCounts),
      failedFrames: this.failedFrames,
      sinks: Object.fromEntries(this.sinkCounts),
    };
  }
}
