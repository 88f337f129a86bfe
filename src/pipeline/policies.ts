import {
  Observable,
  concatMap,
  from,
  map,
  range,
  takeWhile,
  type ObservableInput,
  type OperatorFunction,
} from "rxjs";

/**
 * Frame policies. Both are credit-driven: the graph grants one credit per free slot
 * (initially `maxInFlight`, then one each time a frame leaves the graph), and a frame
 * enters the graph only by taking a credit. They differ in what happens to frames the
 * graph has no room for:
 *
 * - **lossless** (replay): the source is not read at all until there is a credit, so
 *   nothing is dropped and nothing piles up.
 * - **latest-wins** (live, realtime replay): the source runs at its own rate; at most one
 *   frame waits, a newer frame replaces it and the replaced one is counted as dropped.
 */

/**
 * Lossless, demand-driven source: calls `next()` once per credit, one read at a time, in
 * order, and completes when `next` reports done. `credits$` emits counts of new credits.
 */
export function pullEach<T>(
  next: () => ObservableInput<IteratorResult<T, unknown>>,
  credits$: Observable<number>,
): Observable<T> {
  return credits$.pipe(
    concatMap((n) => range(0, n)),
    concatMap(() => from(next())),
    takeWhile((r): r is IteratorYieldResult<T> => r.done !== true),
    map((r) => r.value),
  );
}

/** Turns an async iterator into a `next` function for `pullEach`. */
export function iteratorPull<T>(it: AsyncIterator<T>): () => Promise<IteratorResult<T, unknown>> {
  return () => it.next();
}

/**
 * Latest-wins: passes a value on only when a credit is available; otherwise keeps it as
 * the single waiting value, replacing (and reporting through `onDrop`) any older one.
 * When the source completes, a waiting value is still delivered on the next credit.
 */
export function latestWins<T>(
  credits$: Observable<number>,
  onDrop: (dropped: T) => void,
): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let credits = 0;
      let waiting: { value: T } | undefined;
      let sourceDone = false;
      const flush = (): void => {
        if (waiting !== undefined && credits > 0) {
          const { value } = waiting;
          waiting = undefined;
          credits--;
          subscriber.next(value);
        }
        if (sourceDone && waiting === undefined) subscriber.complete();
      };
      const creditSub = credits$.subscribe({
        next: (n) => {
          credits += n;
          flush();
        },
        error: (e: unknown) => subscriber.error(e),
      });
      const sourceSub = source.subscribe({
        next: (value) => {
          if (waiting !== undefined) onDrop(waiting.value);
          waiting = { value };
          flush();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          flush();
        },
      });
      return () => {
        creditSub.unsubscribe();
        sourceSub.unsubscribe();
      };
    });
}

/**
 * Restores sequence order after a parallel stage: values carry `seq` (0, 1, 2, …) and are
 * emitted strictly in that order. Memory is bounded by the parallel stage's concurrency.
 */
export function inSequence<T extends { readonly seq: number }>(): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const pending = new Map<number, T>();
      let nextSeq = 0;
      return source.subscribe({
        next: (v) => {
          pending.set(v.seq, v);
          let ready = pending.get(nextSeq);
          while (ready !== undefined) {
            pending.delete(nextSeq);
            nextSeq++;
            subscriber.next(ready);
            ready = pending.get(nextSeq);
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (pending.size > 0) {
            subscriber.error(
              new Error(
                `inSequence: source completed with ${pending.size} out-of-order values waiting for seq ${nextSeq}`,
              ),
            );
          } else subscriber.complete();
        },
      });
    });
}
