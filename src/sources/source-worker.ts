/**
 * Worker thread of a replay source (see source-thread.ts): opens the source in this thread, and
 * for each `next` request posts the next event — a Frame with its pixels transferred, or a
 * per-frame problem — then `end` when the source has no more.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { errorMessage, isProblem } from "../frames/problem.js";
import { openImagesSource } from "./images.js";
import { openMcapSource } from "./mcap.js";
import type { FrameSource, SourceEvent } from "./source.js";
import type { FromSourceWorker, SourceWorkerInit, ToSourceWorker } from "./source-thread.js";

/** The source in this thread (never threaded again), decoding PNGs here: this thread exists to read. */
function openHere(init: SourceWorkerInit): Promise<FrameSource> {
  switch (init.kind) {
    case "mcap":
      return openMcapSource(init.path, {
        topic: init.topic,
        sourceId: init.sourceId,
        readInWorker: false,
        decodeOnThisThread: true,
      });
    case "images":
      return openImagesSource(init.path, {
        sourceId: init.sourceId,
        fps: init.fps,
        readInWorker: false,
        decodeOnThisThread: true,
      });
  }
}

function main(port: NonNullable<typeof parentPort>, init: SourceWorkerInit): void {
  const post = (m: FromSourceWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  let it: AsyncIterator<SourceEvent> | undefined;
  let close: (() => Promise<void>) | undefined;
  let chain = (async () => {
    const source = await openHere(init);
    close = () => source.close();
    it = source.events()[Symbol.asyncIterator]();
  })().catch((e: unknown) => post({ type: "failed", message: errorMessage(e) }));

  const next = async (): Promise<void> => {
    if (it === undefined) return; // opening failed (reported)
    const r = await it.next();
    if (r.done === true) {
      post({ type: "end" });
      return;
    }
    const ev = r.value;
    if (isProblem(ev)) {
      post({ type: "problem", problem: ev });
      return;
    }
    // Transfer the pixels; a view into a larger buffer (a chunk) is copied out first, so only
    // the frame's own bytes cross.
    const d = ev.data;
    const own =
      d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer
        ? d
        : d.slice();
    post({ type: "frame", frame: { ...ev, data: own } }, [own.buffer as ArrayBuffer]);
  };

  port.on("message", (m: ToSourceWorker) => {
    if (m.type === "close") {
      chain = chain.then(async () => {
        await it?.return?.(undefined);
        await close?.();
        process.exit(0);
      });
      return;
    }
    chain = chain.then(next).catch((e: unknown) => post({ type: "failed", message: errorMessage(e) }));
  });
}

if (!isMainThread && parentPort !== null) {
  main(parentPort, workerData as SourceWorkerInit);
}
