import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { inSequence, latestWins, pullEach } from "../../../src/pipeline/policies.js";

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe("latestWins (marble)", () => {
  it("passes values through while credits last, keeps one waiting, drops older ones", () => {
    const dropped: string[] = [];
    scheduler().run(({ hot, cold, expectObservable }) => {
      // Two credits at frame 0, one at 7, one at 12.
      const credits = cold("c------d----e", { c: 2, d: 1, e: 1 });
      const source = hot(" a-b-c-d-e-f-|");
      // a and b take the two credits; c waits; d replaces c (c dropped) and leaves at 7;
      // e waits; f replaces e (e dropped); f leaves on the credit at 12, then completion.
      expectObservable(source.pipe(latestWins(credits, (v) => dropped.push(v)))).toBe("a-b----d----(f|)");
    });
    expect(dropped).toEqual(["c", "e"]);
  });

  it("never holds more than one waiting value", () => {
    let drops = 0;
    scheduler().run(({ hot, cold, expectObservable }) => {
      const credits = cold("----------c", { c: 1 });
      const source = hot(" abcdefgh|");
      expectObservable(source.pipe(latestWins(credits, () => drops++))).toBe("----------(h|)");
    });
    expect(drops).toBe(7);
  });
});

describe("pullEach (marble)", () => {
  it("reads the source only when a credit arrives, one read at a time, losslessly", () => {
    const items = ["a", "b", "c"];
    let reads = 0;
    scheduler().run(({ cold, expectObservable }) => {
      // Each read takes one frame; after the 3 items the iterator reports done.
      const next = () => {
        const i = reads++;
        const r: IteratorResult<string> =
          i < items.length ? { done: false, value: items[i]! } : { done: true, value: undefined };
        return cold("-(r|)", { r });
      };
      // One credit at 0, one at 5, two at 10.
      const credits = cold("c----c----d", { c: 1, d: 2 });
      expectObservable(pullEach(next, credits)).toBe("-a----b----c|");
    });
    // 3 items + the read that found the end: nothing was read ahead of a credit.
    expect(reads).toBe(4);
  });

  it("does not read at all without credits", () => {
    let reads = 0;
    scheduler().run(({ cold, expectObservable }) => {
      const next = () => {
        reads++;
        return cold("-(r|)", { r: { done: false, value: "x" } as IteratorResult<string> });
      };
      expectObservable(pullEach(next, cold("------"))).toBe("------");
    });
    expect(reads).toBe(0);
  });
});

describe("inSequence (marble)", () => {
  it("re-orders values by seq", () => {
    scheduler().run(({ hot, expectObservable }) => {
      const v = { a: { seq: 0 }, b: { seq: 1 }, c: { seq: 2 } };
      expectObservable(hot("c-b-a------|", v).pipe(inSequence())).toBe("----(abc)--|", v);
    });
  });
});
