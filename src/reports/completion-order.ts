/**
 * Runs `work` over `items` with at most `concurrency` in progress, yielding results as they complete (not
 * in input order), so a slow item never holds back the ones after it. When the consumer stops early (a
 * client gone), no further work starts and the results still in progress go to `discard` (they may hold
 * open streams).
 */
export async function* inCompletionOrder<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  concurrency: number,
  discard: (result: R) => void = () => undefined,
): AsyncGenerator<R, void, undefined> {
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
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      pending.delete(index);
      if (next < items.length) start();
      yield result;
    }
  } finally {
    // Left early: nobody reads these any more. A failure among them had no reader either.
    for (const left of pending.values()) left.then(({ result }) => discard(result), ignoreUnread);
  }
}

/** For results nobody reads any more: the consumer stopped before them, so there is nobody to tell. */
export function ignoreUnread(): void {
  // Deliberately nothing: see above.
}
