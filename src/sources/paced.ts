import type { Frame } from "../frames/frame.js";
import { isProblem } from "../frames/problem.js";
import type { FrameSource, SourceEvent } from "./source.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Realtime replay: turns a recorded source into a live one that releases each frame at its
 * recorded time (stamp deltas) relative to the wall clock. The pipeline then applies
 * latest-wins, so a slow model drops frames instead of falling behind the recording.
 * A stamp that goes backwards (a new sequence) restarts the clock.
 */
export function paced(inner: FrameSource): FrameSource {
  let closed = false;
  async function* events(): AsyncGenerator<SourceEvent> {
    let t0Wall = 0;
    let t0Stamp: bigint | undefined;
    for await (const e of inner.events()) {
      if (closed) return;
      if (isProblem(e)) {
        yield e;
        continue;
      }
      const f: Frame = e;
      if (t0Stamp === undefined || f.stampNs < t0Stamp) {
        t0Stamp = f.stampNs;
        t0Wall = performance.now();
      }
      const due = t0Wall + Number(f.stampNs - t0Stamp) / 1e6;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      yield f;
    }
  }
  return {
    id: inner.id,
    kind: "live",
    frameCount: inner.frameCount,
    fps: inner.fps,
    events,
    close: async () => {
      closed = true;
      await inner.close();
    },
  };
}
