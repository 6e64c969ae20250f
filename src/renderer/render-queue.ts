import { RenderQueueFull } from '../common/domain.errors';

/** How many renders run and wait right now. */
export interface RenderLoad {
  active: number;
  waiting: number;
}

/**
 * A FIFO gate: at most `concurrency` tasks run at once and at most `limit` wait; past that a task is
 * refused at once with `RenderQueueFull`, so a burst never piles up unbounded work.
 */
export class RenderQueue {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly limit: number,
    private readonly retryAfterSeconds = 5,
  ) {}

  get load(): RenderLoad {
    return { active: this.active, waiting: this.waiters.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiters.length >= this.limit) throw new RenderQueueFull(this.retryAfterSeconds);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `active` stays counted and order stays FIFO.
      if (next) next();
      else this.active -= 1;
    }
  }
}
