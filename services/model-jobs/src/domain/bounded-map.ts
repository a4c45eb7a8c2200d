import pLimit from "p-limit";

export interface Progress {
  done: number;
  total: number;
  elapsedMs: number;
}

/**
 * Maps items with at most `concurrency` in flight, keeping input order in the
 * output, and reports progress every `every` completed items (and at the end).
 * The first failure stops new work from starting and is rethrown.
 */
export async function boundedMap<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  options: { concurrency: number; every: number; onProgress: (progress: Progress) => void },
): Promise<R[]> {
  const limit = pLimit(options.concurrency);
  const started = performance.now();
  let done = 0;
  let failed = false;
  const results = await Promise.all(
    items.map((item, index) =>
      limit(async () => {
        if (failed) throw new Error("stopped after an earlier failure");
        try {
          const result = await work(item, index);
          done += 1;
          if (done % options.every === 0 || done === items.length) {
            options.onProgress({ done, total: items.length, elapsedMs: performance.now() - started });
          }
          return result;
        } catch (error) {
          failed = true;
          limit.clearQueue();
          throw error;
        }
      }),
    ),
  );
  return results;
}
