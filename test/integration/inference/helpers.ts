import { makeFrame, type Frame } from "../../../src/frames/frame.js";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** Nice value per thread id of this process (/proc/self/task/<tid>/stat, field 19). Linux only. */
export function threadNices(): Map<number, number> {
  return new Map(
    readdirSync("/proc/self/task").map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      return [Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])];
    }),
  );
}

/** The calling thread's id. */
export function selfThreadId(): number {
  return Number(readlinkSync("/proc/thread-self").split("/").pop());
}

/** A 128×64 (default) rgb8 frame whose pixels depend on `id`; stamp `id` ms, source "test". */
export function patternFrame(id: number, width = 128, height = 64): Frame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + id * 13) & 255;
  return makeFrame({
    id,
    stampNs: 1_000_000n * BigInt(id),
    sourceId: "test",
    width,
    height,
    encoding: "rgb8",
    data,
  });
}
