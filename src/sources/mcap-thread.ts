/**
 * The main-thread side of an MCAP replay read in a worker thread (`mcap-worker.ts`): the worker
 * opens the file, reads, checks and decodes the messages of one topic into Frames and posts them
 * here with their pixels transferred. Pull-based and bounded: at most READ_AHEAD events are
 * requested beyond the one the consumer holds, so memory stays at a few frames whatever the
 * file's size.
 */
import { Worker } from "node:worker_threads";
import { makeFrame, type Frame } from "../frames/frame.js";
import { errorMessage, isProblem, problem, type Problem } from "../frames/problem.js";
import { workerScript } from "../util/worker-script.js";
import type { FrameSource, SourceEvent } from "./source.js";

/** What the worker is started with. */
export interface McapWorkerInit {
  readonly path: string;
  readonly topic: string;
  readonly sourceId: string;
}

export type ToMcapWorker = { readonly type: "next" } | { readonly type: "close" };

export type FromMcapWorker =
  | { readonly type: "frame"; readonly frame: Frame }
  | { readonly type: "problem"; readonly problem: Problem }
  | { readonly type: "end" }
  | { readonly type: "failed"; readonly message: string };

/** Events requested ahead of the consumer: the worker reads the next frame while this one is used. */
const READ_AHEAD = 2;

/** A replay FrameSource whose messages are read by a worker thread. */
export function mcapWorkerSource(
  path: string,
  topic: string,
  sourceId: string,
  frameCount: number | undefined,
): FrameSource {
  const input = `mcap:${path}#${topic}`;
  let worker: Worker | undefined;
  let closed = false;
  /** Wakes the consumer waiting for the worker's next message (or for `close`). */
  let wake: (() => void) | undefined;

  async function* events(): AsyncGenerator<SourceEvent> {
    const { url, options } = workerScript("mcap-worker", import.meta.url);
    const init: McapWorkerInit = { path, topic, sourceId };
    const w = new Worker(url, { ...options, workerData: init, name: "segstream-mcap-reader" });
    worker = w;
    const inbox: FromMcapWorker[] = [];
    const deliver = (m: FromMcapWorker): void => {
      inbox.push(m);
      wake?.();
    };
    let finished = false;
    w.on("message", (m: FromMcapWorker) => deliver(m));
    w.on("error", (e) => deliver({ type: "failed", message: `reader thread failed: ${errorMessage(e)}` }));
    w.on("exit", (code) => {
      if (!finished && !closed)
        deliver({ type: "failed", message: `reader thread exited with code ${code}` });
    });
    const request = (): void => w.postMessage({ type: "next" } satisfies ToMcapWorker);
    for (let i = 0; i < READ_AHEAD; i++) request();
    try {
      while (!closed) {
        while (inbox.length === 0 && !closed) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        const m = inbox.shift();
        if (m === undefined) break; // closed
        if (m.type === "end") break;
        if (m.type === "failed") {
          yield problem("read-failed", input, `cannot read further: ${m.message}`, { sourceId });
          break;
        }
        request();
        if (m.type === "problem") {
          yield isProblem(m.problem)
            ? m.problem
            : problem("read-failed", input, "malformed event from reader");
        } else yield makeFrame(m.frame);
      }
    } finally {
      finished = true;
      w.postMessage({ type: "close" } satisfies ToMcapWorker);
      await w.terminate();
    }
  }

  return {
    id: sourceId,
    kind: "replay",
    frameCount,
    fps: undefined,
    events,
    close: async () => {
      closed = true;
      wake?.();
      await worker?.terminate();
    },
  };
}
