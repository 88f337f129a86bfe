/**
 * Worker thread of an MCAP replay (see mcap-thread.ts): opens the file in this thread's reader,
 * and for each `next` request posts the next event — a Frame with its pixels transferred, or a
 * per-message problem — then `end` when the topic has no more messages.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { errorMessage, isProblem } from "../frames/problem.js";
import { openMcapSource } from "./mcap.js";
import type { FromMcapWorker, McapWorkerInit, ToMcapWorker } from "./mcap-thread.js";
import type { SourceEvent } from "./source.js";

function main(port: NonNullable<typeof parentPort>, init: McapWorkerInit): void {
  const post = (m: FromMcapWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  let it: AsyncIterator<SourceEvent> | undefined;
  let close: (() => Promise<void>) | undefined;
  let chain = (async () => {
    const source = await openMcapSource(init.path, {
      topic: init.topic,
      sourceId: init.sourceId,
      readInWorker: false,
    });
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

  port.on("message", (m: ToMcapWorker) => {
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
  main(parentPort, workerData as McapWorkerInit);
}
