/**
 * Runs `work` over `items` with at most `concurrency` in progress, yielding results as they complete (not
 * in input order), so a slow item never holds back the ones after it.
 */
export async function* inCompletionOrder<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  concurrency: number,
): AsyncIterable<R> {
  const pending = new Map<number, Promise<{ index: number; result: R }>>();
  let next = 0;
  const start = () => {
    const index = next++;
    pending.set(
      index,
      work(items[index]).then((result) => ({ index, result })),
    );
  };
  while (next < items.length && pending.size < Math.max(1, concurrency)) start();
  while (pending.size > 0) {
    const { index, result } = await Promise.race(pending.values());
    pending.delete(index);
    if (next < items.length) start();
    yield result;
  }
}
