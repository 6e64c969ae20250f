import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { CoordinationUnavailable } from '../common/domain.errors';
import { within } from '../common/within';
import type { BatchesConfig } from '../config';
import { coordinated, isUnreachable, type RedisConnection } from '../coordination';
import type { BatchItemProcessor } from './batch-item.processor';
import { BatchRunner, type QueuedIndex } from './batch.runner';

const QUEUE = 'pdf-batch-items';
/** While Redis is unreachable an item waits this long between tries of its next step. */
const OUTAGE_RETRY_MS = 1000;
/** Closing the queue's own connection must not hold the shutdown when Redis is gone. */
const CLOSE_WAIT_MS = 1000;

interface ItemJob {
  batchId: string;
  index: number;
}

/**
 * Batch items on BullMQ (BATCH_QUEUE=redis). Every replica runs a worker that takes at most
 * RENDER_CONCURRENCY items at a time. A replica that dies stops renewing its job locks; after
 * BATCH_STALL_MS another replica's stall check puts those items back in the queue. Retries are ours
 * (moved to delayed with backoff), so BullMQ's own attempts only count stalls.
 */
export class BullmqBatchRunner
  extends BatchRunner
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(BullmqBatchRunner.name);
  private readonly queue: Queue<ItemJob>;
  private worker: Worker<ItemJob> | undefined;
  private stopping = false;
  /** Items this replica is running now: shutdown waits for these, not for BullMQ's own bookkeeping. */
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly processor: BatchItemProcessor,
    private readonly config: BatchesConfig,
    private readonly redis: RedisConnection,
    private readonly concurrency: number,
    private readonly graceMs: number,
  ) {
    super();
    // Fail at once while Redis is unreachable (the caller answers 503); reconnect within a second.
    this.queue = new Queue<ItemJob>(QUEUE, {
      connection: { url: redis.url, enableOfflineQueue: false, retryStrategy: reconnectDelay },
    });
    this.queue.on('error', (error) => this.onError(error));
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<ItemJob>(QUEUE, (job, token) => this.track(this.run(job, token)), {
      connection: { url: this.redis.url, maxRetriesPerRequest: null, retryStrategy: reconnectDelay },
      concurrency: this.concurrency,
      lockDuration: this.config.stallMs,
      stalledInterval: this.config.stallMs,
      maxStalledCount: this.config.attempts,
    });
    this.worker.on('failed', (job, error) => {
      // Only stalls beyond maxStalledCount end here (our processor never throws for an item's own failure).
      if (!job) return;
      this.processor
        .abandon(job.data.batchId, job.data.index, `replica lost: ${error.message}`)
        .catch((failure: unknown) =>
          this.logger.error({ err: failure, batchId: job.data.batchId }, 'batch item could not be abandoned'),
        );
    });
    this.worker.on('error', (error) => this.onError(error));
  }

  /** Connection trouble is Redis's outage (logged once for the process); anything else is ours to see. */
  private onError(error: Error): void {
    if (isUnreachable(error)) this.redis.failed(error);
    else this.logger.warn({ err: error }, 'batch worker error');
  }

  /** Stops pulling items; active ones get the grace period, then their locks lapse for other replicas. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      if (this.redis.reachable) {
        // No new items; the active ones finish and are recorded, within the grace period.
        await within(worker.close(), this.graceMs, () => undefined);
      } else {
        // A graceful close would wait on Redis itself: wait only for the renders running here.
        await within(Promise.allSettled([...this.active]), this.graceMs, () => []);
      }
      // Then stop without waiting; BullMQ hands whatever is unfinished to other replicas.
      await within(
        worker.close(true).catch((error: unknown) => this.logger.warn({ err: error }, 'worker close failed')),
        CLOSE_WAIT_MS,
        () => undefined,
      );
    }
    await within(
      this.queue.close().catch((error: unknown) => this.logger.warn({ err: error }, 'queue close failed')),
      CLOSE_WAIT_MS,
      () => undefined,
    );
  }

  async enqueue(batchId: string, items: readonly QueuedIndex[]): Promise<void> {
    await coordinated(() =>
      this.queue.addBulk(
        items.map(({ index, priority }) => ({
          name: 'item',
          data: { batchId, index },
          opts: {
            // Prioritized jobs are taken lowest number first, in O(log n): batches interleave fleet-wide.
            priority,
            // BullMQ refuses ":" in job ids.
            jobId: `${batchId}-${index}`,
            removeOnComplete: true,
            removeOnFail: 1000,
          },
        })),
      ),
    );
  }

  async backlog(): Promise<number> {
    const counts = await coordinated(() => this.queue.getJobCounts('waiting', 'delayed', 'prioritized'));
    return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
  }

  private track(run: Promise<void>): Promise<void> {
    this.active.add(run);
    const settled = () => void this.active.delete(run);
    // BullMQ handles the item's own outcome; this only keeps the set of running items.
    run.then(settled, settled);
    return run;
  }

  /**
   * One item. While Redis is unreachable its step is tried again every second rather than failed: the
   * item is not lost, and when Redis is back it goes on (its job lock may have lapsed meanwhile; another
   * replica taking it over renders nothing twice, the key lock and the store's transitions see to that).
   */
  private async run(job: Job<ItemJob>, token: string | undefined): Promise<void> {
    for (;;) {
      try {
        const outcome = await this.processor.process(job.data.batchId, job.data.index);
        if (outcome === 'done') return;
        await job.moveToDelayed(Date.now() + outcome.retryInMs, token);
        throw new DelayedError();
      } catch (error) {
        if (!(error instanceof CoordinationUnavailable)) throw error;
        // Stopping: leave the job unfinished (never failed), so its lock lapses and another replica takes it.
        if (this.stopping) return new Promise<never>(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_RETRY_MS));
      }
    }
  }
}

/** Reconnect quickly: a batch resumes within a second or two of Redis coming back. */
function reconnectDelay(times: number): number {
  return Math.min(times * 100, 1000);
}
