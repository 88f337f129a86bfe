/**
 * Stream time in seconds from `stampNs`. A frame whose stamp does not advance (missing stamps,
 * a stamp going backwards) counts as one reference frame (1 / referenceFrameRate).
 */
export class TrackerClock {
  private lastStamp: bigint | null = null;
  nowS = 0;

  constructor(private readonly frameS: number) {}

  /** Advances to `stampNs`; returns the step in seconds (0 for the first frame). */
  advance(stampNs: bigint): number {
    let dtS: number;
    if (this.lastStamp === null) dtS = 0;
    else if (stampNs > this.lastStamp) dtS = Number(stampNs - this.lastStamp) / 1e9;
    else dtS = this.frameS;
    this.lastStamp = stampNs;
    this.nowS += dtS;
    return dtS;
  }

  reset(): void {
    this.lastStamp = null;
    this.nowS = 0;
  }
}
