/**
 * The main-thread side of a replay source read in a worker thread (`source-worker.ts`): the
 * worker opens the source (an MCAP bag, an image folder), reads and decodes it into Frames and
 * posts them here with their pixels transferred, so file reads, CRC checks, decompression,
 * copies and image decoding stay off the main thread. Pull-based and bounded: at most READ_AHEAD
 * events are requested beyond the one the consumer holds, so memory stays at a few frames
 * whatever the recording's size. The caller opens the source in its own thread first, so
 * start-up errors (missing file, unknown topic) are raised there as before.
 */
import { Worker } from "node:worker_threads";
import { makeFrame, type Frame } from "../frames/frame.js";
import { errorMessage, isProblem, problem, type Problem } from "../frames/problem.js";
import { workerScript } from "../util/worker-script.js";
import type { FrameSource, SourceEvent } from "./source.js";

/** What the worker opens. */
export type SourceWorkerInit =
  | { readonly kind: "mcap"; readonly path: string; readonly topic: string; readonly sourceId: string }
  | { readonly kind: "images"; readonly path: string; readonly sourceId: string; readonly fps: number };

export type ToSourceWorker = { readonly type: "next" } | { readonly type: "close" };

export type FromSourceWorker =
  | { readonly type: "frame"; readonly frame: Frame }
  | { readonly type: "problem"; readonly problem: Problem }
  | { readonly type: "end" }
  | { readonly type: "failed"; readonly message: string };

/** Events requested ahead of the consumer: the worker reads the next frame while this one is used. */
const READ_AHEAD = 2;

/** A replay FrameSource read by a worker thread; `shape` is the in-thread source's id, count and fps. */
export function threadedSource(
  init: SourceWorkerInit,
  shape: Pick<FrameSource, "id" | "frameCount" | "fps">,
): FrameSource {
  const input = init.kind === "mcap" ? `mcap:${init.path}#${init.topic}` : `images:${init.path}`;
  const sourceId = shape.id;
  let worker: Worker | undefined;
  let closed = false;
  /** Wakes the consumer waiting for the worker's next message (or for `close`). */
  let wake: (() => void) | undefined;

  async function* events(): AsyncGenerator<SourceEvent> {
    const { url, options } = workerScript("source-worker", import.meta.url);
    const w = new Worker(url, { ...options, workerData: init, name: `segstream-${init.kind}-reader` });
    worker = w;
    const inbox: FromSourceWorker[] = [];
    const deliver = (m: FromSourceWorker): void => {
      inbox.push(m);
      wake?.();
    };
    let finished = false;
    const exited = new Promise<void>((resolve) =>
      w.once("exit", (code) => {
        if (!finished && !closed)
          deliver({ type: "failed", message: `reader thread exited with code ${code}` });
        resolve();
      }),
    );
    w.on("message", (m: FromSourceWorker) => deliver(m));
    w.on("error", (e) => deliver({ type: "failed", message: `reader thread failed: ${errorMessage(e)}` }));
    const request = (): void => w.postMessage({ type: "next" } satisfies ToSourceWorker);
    for (let i = 0; i < READ_AHEAD; i++) request();
    try {
      for (;;) {
        while (inbox.length === 0 && !closed) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        const m = closed ? undefined : inbox.shift();
        if (m === undefined || m.type === "end") break;
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
      // The worker closes its file and exits after the read in progress (`close()` terminates
      // it at once instead).
      finished = true;
      w.postMessage({ type: "close" } satisfies ToSourceWorker);
      await exited;
    }
  }

  return {
    id: sourceId,
    kind: "replay",
    frameCount: shape.frameCount,
    fps: shape.fps,
    events,
    close: async () => {
      closed = true;
      wake?.();
      await worker?.terminate();
    },
  };
}
