import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { within } from '../common/within';
import type { BatchItemProcessor } from './batch-item.processor';
import { BatchRunner, type QueuedIndex } from './batch.runner';

interface QueuedItem {
  batchId: string;
  index: number;
  priority: number;
  /** Arrival order among items of one priority. */
  seq: number;
}

/** Batch items in this process (BATCH_QUEUE=memory): one replica, not durable, same behaviour otherwise. */
export class MemoryBatchRunner extends BatchRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MemoryBatchRunner.name);
  private readonly queue: QueuedItem[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly active = new Set<Promise<void>>();
  private stopped = false;
  private arrivals = 0;

  constructor(
    private readonly processor: BatchItemProcessor,
    private readonly concurrency: number,
    private readonly graceMs: number,
  ) {
    super();
  }

  /** Stops taking items; those running finish within the grace period. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    await within(Promise.allSettled([...this.active]), this.graceMs, () => []);
  }

  enqueue(batchId: string, items: readonly QueuedIndex[]): Promise<void> {
    for (const { index, priority } of items) this.insert({ batchId, index, priority, seq: 0 });
    this.pump();
    return Promise.resolve();
  }

  /** Keeps the queue ordered by priority, then arrival (a binary search: a class has thousands of items). */
  private insert(item: QueuedItem): void {
    item.seq = this.arrivals++;
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.queue[middle];
      if (other.priority < item.priority || (other.priority === item.priority && other.seq < item.seq))
        low = middle + 1;
      else high = middle;
    }
    this.queue.splice(low, 0, item);
  }

  backlog(): Promise<number> {
    return Promise.resolve(this.queue.length);
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency && this.queue.length > 0) {
      const item = this.queue.shift()!;
      const run: Promise<void> = this.run(item).finally(() => {
        this.active.delete(run);
        this.pump();
      });
      this.active.add(run);
    }
  }

  private async run(item: QueuedItem): Promise<void> {
    try {
      const outcome = await this.processor.process(item.batchId, item.index);
      if (outcome === 'done') return;
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        this.insert(item);
        this.pump();
      }, outcome.retryInMs);
      this.retries.add(timer);
    } catch (error) {
      this.logger.error({ err: error, batchId: item.batchId }, 'batch item crashed');
      await this.processor.abandon(item.batchId, item.index, 'internal error');
    }
  }
}
