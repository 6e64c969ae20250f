import { inCompletionOrder } from './completion-order';

const after = (ms: number, value: string) =>
  new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));

async function collect<R>(source: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('inCompletionOrder', () => {
  it('should yield results as they complete, not in input order', async () => {
    const delays: Record<string, number> = { a: 40, b: 5, c: 20 };
    await expect(
      collect(inCompletionOrder(['a', 'b', 'c'], (id) => after(delays[id], id), 3)),
    ).resolves.toEqual(['b', 'c', 'a']);
  });

  it('should keep at most `concurrency` items in progress', async () => {
    let running = 0;
    let peak = 0;
    const work = async (id: number) => {
      running += 1;
      peak = Math.max(peak, running);
      await after(5, String(id));
      running -= 1;
      return id;
    };
    const results = await collect(inCompletionOrder([1, 2, 3, 4, 5, 6, 7], work, 2));
    expect(results.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(2);
  });

  it('should yield nothing for no items', async () => {
    await expect(collect(inCompletionOrder([], () => after(1, 'x'), 2))).resolves.toEqual([]);
  });

  it('should start nothing more and discard what is still in progress when the consumer stops early', async () => {
    const started: number[] = [];
    const discarded: number[] = [];
    const work = (n: number) => {
      started.push(n);
      return new Promise<number>((resolve) => setTimeout(() => resolve(n), n * 5));
    };
    for await (const first of inCompletionOrder([1, 2, 3, 4, 5, 6], work, 3, (n) => discarded.push(n))) {
      expect(first).toBe(1);
      break;
    }
    await after(40, 'settled');
    expect(started).toEqual([1, 2, 3, 4]);
    expect(discarded.sort()).toEqual([2, 3, 4]);
  });
});
