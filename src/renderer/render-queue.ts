import { RenderAbandoned, RenderQueueFull } from '../common/domain.errors';

/** How many renders run and wait right now (`waiting` counts interactive renders only). */
export interface RenderLoad {
  active: number;
  waiting: number;
  /** Batch items waiting behind every interactive render. */
  waitingBatch: number;
}

/** Interactive renders (downloads, the single trigger) always start before batch items. */
export type RenderPriority = 'interactive' | 'batch';

interface Waiter {
  start(): void;
}

/**
 * A FIFO gate with two lanes: at most `concurrency` tasks run at once; interactive tasks go before every
 * batch task, and at most `limit` interactive tasks wait (past that one is refused at once with
 * `RenderQueueFull`, so a burst never piles up unbounded work). Batch tasks are pulled by workers only as
 * fast as they finish, so they wait without a limit and are never refused. A waiting task whose `abandoned`
 * signal fires leaves the queue without running (`RenderAbandoned`).
 */
export class RenderQueue {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly batchWaiters: Waiter[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly limit: number,
    private readonly retryAfterSeconds = 5,
  ) {}

  get load(): RenderLoad {
    return { active: this.active, waiting: this.waiters.length, waitingBatch: this.batchWaiters.length };
  }

  async run<T>(
    task: () => Promise<T>,
    abandoned?: AbortSignal,
    priority: RenderPriority = 'interactive',
  ): Promise<T> {
    if (abandoned?.aborted) throw new RenderAbandoned();
    if (this.active >= this.concurrency) {
      const lane = priority === 'batch' ? this.batchWaiters : this.waiters;
      if (priority === 'interactive' && lane.length >= this.limit) {
        throw new RenderQueueFull(this.retryAfterSeconds);
      }
      await this.wait(lane, abandoned);
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiters.shift() ?? this.batchWaiters.shift();
      // The slot passes straight to the next waiter, so `active` stays counted and order stays FIFO.
      if (next) next.start();
      else this.active -= 1;
    }
  }

  private wait(lane: Waiter[], abandoned: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbandoned = () => {
        const index = lane.indexOf(waiter);
        if (index >= 0) lane.splice(index, 1);
        reject(new RenderAbandoned());
      };
      const waiter: Waiter = {
        start: () => {
          abandoned?.removeEventListener('abort', onAbandoned);
          resolve();
        },
      };
      lane.push(waiter);
      abandoned?.addEventListener('abort', onAbandoned, { once: true });
    });
  }
}
