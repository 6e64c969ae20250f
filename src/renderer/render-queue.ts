import { RenderAbandoned, RenderQueueFull } from '../common/domain.errors';

/** How many renders run and wait right now. */
export interface RenderLoad {
  active: number;
  waiting: number;
}

interface Waiter {
  start(): void;
}

/**
 * A FIFO gate: at most `concurrency` tasks run at once and at most `limit` wait; past that a task is
 * refused at once with `RenderQueueFull`, so a burst never piles up unbounded work. A waiting task whose
 * `abandoned` signal fires leaves the queue without running (`RenderAbandoned`).
 */
export class RenderQueue {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly limit: number,
    private readonly retryAfterSeconds = 5,
  ) {}

  get load(): RenderLoad {
    return { active: this.active, waiting: this.waiters.length };
  }

  async run<T>(task: () => Promise<T>, abandoned?: AbortSignal): Promise<T> {
    if (abandoned?.aborted) throw new RenderAbandoned();
    if (this.active >= this.concurrency) {
      if (this.waiters.length >= this.limit) throw new RenderQueueFull(this.retryAfterSeconds);
      await this.wait(abandoned);
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `active` stays counted and order stays FIFO.
      if (next) next.start();
      else this.active -= 1;
    }
  }

  private wait(abandoned: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbandoned = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new RenderAbandoned());
      };
      const waiter: Waiter = {
        start: () => {
          abandoned?.removeEventListener('abort', onAbandoned);
          resolve();
        },
      };
      this.waiters.push(waiter);
      abandoned?.addEventListener('abort', onAbandoned, { once: true });
    });
  }
}
