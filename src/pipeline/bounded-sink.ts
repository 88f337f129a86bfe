import type { Output, Sink } from "../sinks/sink.js";

/**
 * A lossy sink's own queue: at most `bound` outputs wait; when full, the oldest waiting one
 * is dropped (and counted) so a slow consumer never slows inference or grows memory.
 * Writes happen one at a time, in order.
 */
export class BoundedSinkQueue {
  private readonly queue: Output[] = [];
  private running: Promise<void> | undefined;

  constructor(
    readonly sink: Sink,
    readonly bound: number,
    private readonly report: (what: "written" | "dropped" | "failed", error?: unknown) => void,
  ) {
    if (!Number.isInteger(bound) || bound < 1)
      throw new RangeError(`sink queue bound must be ≥ 1, got ${bound}`);
  }

  get waiting(): number {
    return this.queue.length;
  }

  push(out: Output): void {
    if (this.queue.length >= this.bound) {
      this.queue.shift();
      this.report("dropped");
    }
    this.queue.push(out);
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      try {
        await this.sink.write(next);
        this.report("written");
      } catch (e) {
        this.report("failed", e);
      }
    }
    this.running = undefined;
  }

  /** Resolves when everything queued so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }
}
