import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { within } from '../common/within';
import type { BatchesConfig } from '../config';
import type { BatchItemProcessor } from './batch-item.processor';
import { BatchRunner } from './batch.runner';

const QUEUE = 'pdf-batch-items';

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

  constructor(
    private readonly processor: BatchItemProcessor,
    private readonly config: BatchesConfig,
    private readonly redisUrl: string,
    private readonly concurrency: number,
    private readonly graceMs: number,
  ) {
    super();
    this.queue = new Queue<ItemJob>(QUEUE, { connection: { url: redisUrl } });
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<ItemJob>(QUEUE, (job, token) => this.run(job, token), {
      connection: { url: this.redisUrl, maxRetriesPerRequest: null },
      concurrency: this.concurrency,
      lockDuration: this.config.stallMs,
      stalledInterval: this.config.stallMs,
      maxStalledCount: this.config.attempts,
    });
    this.worker.on('failed', (job, error) => {
      // Only stalls beyond maxStalledCount end here (our processor never throws for an item's own failure).
      if (job)
        void this.processor.abandon(job.data.batchId, job.data.index, `replica lost: ${error.message}`);
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'batch worker error'));
  }

  /** Stops pulling items; active ones get the grace period, then their locks lapse for other replicas. */
  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      await within(worker.close(), this.graceMs, () => undefined);
      // Past the grace: stop without waiting; BullMQ hands the unfinished items to other replicas.
      await worker.close(true).catch(() => undefined);
    }
    await this.queue.close();
  }

  async enqueue(batchId: string, priorities: readonly number[]): Promise<void> {
    await this.queue.addBulk(
      priorities.map((priority, index) => ({
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
    );
  }

  async backlog(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized');
    return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
  }

  private async run(job: Job<ItemJob>, token: string | undefined): Promise<void> {
    const outcome = await this.processor.process(job.data.batchId, job.data.index);
    if (outcome === 'done') return;
    await job.moveToDelayed(Date.now() + outcome.retryInMs, token);
    throw new DelayedError();
  }
}
