import { describe, expect, it } from "vitest";
import { WORKER_INITIAL_OLD_SPACE_MIB, workerHeapDecision } from "../../../src/util/worker-heap.js";

describe("workerHeapDecision", () => {
  it("sets V8's initial old space when node was started without a heap-size flag", () => {
    expect(workerHeapDecision([], "")).toEqual({ kind: "set", mib: WORKER_INITIAL_OLD_SPACE_MIB });
    expect(
      workerHeapDecision(["--single-threaded-gc", "--max-old-space-size=4096"], "--enable-source-maps"),
    ).toEqual({
      kind: "set",
      mib: WORKER_INITIAL_OLD_SPACE_MIB,
    });
  });

  it("leaves the user's own flag alone, from the command line or NODE_OPTIONS, dashes or underscores", () => {
    expect(workerHeapDecision(["--initial-old-space-size=16"], "")).toEqual({
      kind: "user",
      flag: "--initial-old-space-size=16",
    });
    expect(workerHeapDecision([], "--max-old-space-size=900  --initial_heap_size=200")).toEqual({
      kind: "user",
      flag: "--initial_heap_size=200",
    });
    expect(workerHeapDecision(["--initial-old-space-size", "32"], "")).toEqual({
      kind: "user",
      flag: "--initial-old-space-size",
    });
  });
});
