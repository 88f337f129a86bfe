import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { lowerThreadPriority } from "../util/thread-priority.js";
import {
  errorInfo,
  transferables,
  type FromRunThread,
  type RunThreadInit,
  type ToRunThread,
} from "./protocol.js";
import { openWarmSession, toOutputs } from "./session.js";

/**
 * The run thread of an inference worker in overlap mode (run-thread.ts): owns the ORT session
 * and does nothing but `session.run`, one request at a time in arrival order, handing each
 * input buffer back with the outputs.
 */

function post(port: NonNullable<typeof parentPort>, msg: FromRunThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function main(port: NonNullable<typeof parentPort>, init: RunThreadInit): Promise<void> {
  // Before the session exists, so its intra-op threads inherit the priority.
  const niceWarning = lowerThreadPriority(init.nice);
  const { name, width, height } = init.model.manifest.input;
  const dims = [1, 3, height, width];
  let session;
  let ready;
  try {
    const zeros = new ort.Tensor("float32", new Float32Array(3 * width * height), dims);
    ({ session, ready } = await openWarmSession(init, { [name]: zeros }));
  } catch (e) {
    post(port, { type: "init-failed", error: errorInfo(e) });
    return;
  }
  post(port, {
    type: "ready",
    ...ready,
    warnings: niceWarning !== undefined ? [...ready.warnings, niceWarning] : ready.warnings,
  });

  let chain: Promise<void> = Promise.resolve();
  port.on("message", (msg: ToRunThread) => {
    if (msg.type === "test-exit") {
      if (init.testHooks) process.exit(9);
      return;
    }
    if (msg.type === "close") {
      chain = chain.then(async () => {
        await session.release();
        process.exit(0);
      });
      return;
    }
    chain = chain.then(async () => {
      const { seq, input } = msg;
      try {
        const t0 = performance.now();
        const results = await session.run({ [name]: new ort.Tensor("float32", input, dims) });
        const runMs = performance.now() - t0;
        const outputs = toOutputs(results);
        const out = transferables(outputs).filter((b) => b !== input.buffer);
        post(port, { type: "ran", seq, input, outputs, runMs }, [input.buffer, ...out]);
      } catch (e) {
        post(port, { type: "run-failed", seq, input, error: errorInfo(e) }, [input.buffer]);
      }
    });
  });
}

if (!isMainThread && parentPort !== null) {
  void main(parentPort, workerData as RunThreadInit);
}
