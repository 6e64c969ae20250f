import { Logger } from '@nestjs/common';
import { isDomainError, ReportPurged } from '../common/domain.errors';
import { isRetryable } from '../common/retryable';
import type { BatchesConfig } from '../config';
import type { BatchesMetrics } from './batches.metrics';
import type { ReportCache } from '../report-cache';
import type { ReportsService } from '../reports';
import { inLinkedTrace } from '../telemetry/spans';
import type { BatchCallbacks } from './batch-callbacks';
import type { BatchItem, BatchRecord } from './batch.model';
import type { BatchStore } from './batch.store';

/** The error of an item whose key was purged after its batch was queued (never retried). */
const PURGED = 'purged';

/** What became of one attempt: done (finished or skipped), or try again after `retryInMs`. */
export type ItemOutcome = { retryInMs: number } | 'done';

/**
 * Renders one batch item, the same way on every driver: mark it active, render and store it through
 * ReportsService at batch priority, then finish it or schedule a retry by the shared classification. The
 * replica that finishes a batch's last item sends its callback.
 */
export class BatchItemProcessor {
  private readonly logger = new Logger(BatchItemProcessor.name);

  constructor(
    private readonly store: BatchStore,
    private readonly reports: ReportsService,
    private readonly cache: ReportCache,
    private readonly callbacks: BatchCallbacks,
    private readonly config: BatchesConfig,
    private readonly metrics: BatchesMetrics,
  ) {}

  async process(batchId: string, index: number): Promise<ItemOutcome> {
    // One item and its record, read once: a whole batch (up to 5200 items) is never read per item.
    const found = await this.store.item(batchId, index);
    if (!found) return 'done';
    return inLinkedTrace('batch.item', { 'batch.id': batchId, 'batch.item': index }, found.record.trace, () =>
      this.processNow(batchId, index, found.record, found.item),
    );
  }

  private async processNow(
    batchId: string,
    index: number,
    record: BatchRecord,
    item: BatchItem,
  ): Promise<ItemOutcome> {
    const started = await this.store.startItem(batchId, index);
    if (!started.run) return 'done';
    const spec = record.spec;
    try {
      // Queued before a purge of its key: the purge holds, nothing of this batch is written there.
      if (record.purgeEpoch !== undefined && (await this.cache.purgedSince(item.s3Key, record.purgeEpoch))) {
        await this.finish(batchId, index, 'failed', PURGED);
        return 'done';
      }
      await this.reports.generate(
        {
          reportType: item.reportType,
          classId: spec.classId,
          testId: spec.testId,
          studentId: item.studentId,
          teacherId: item.teacherId,
          origin: spec.origin,
          force: spec.force,
          requestId: `batch:${batchId}:${index}`,
          purgeEpoch: record.purgeEpoch,
        },
        'batch',
      );
      await this.finish(batchId, index, 'succeeded', undefined);
      return 'done';
    } catch (error) {
      if (!isDomainError(error)) throw error;
      if (error instanceof ReportPurged) {
        await this.finish(batchId, index, 'failed', PURGED);
        return 'done';
      }
      // A timeout is tried at most once more: a page that never gets ready would hold a slot each time.
      const limit = error.code === 'render_failed' && error.reason === 'timeout' ? 2 : this.config.attempts;
      if (isRetryable(error) && started.attempts < Math.min(limit, this.config.attempts)) {
        await this.store.retryItem(batchId, index, error.message);
        this.metrics.item('retried');
        return { retryInMs: this.config.retryBackoffMs * 2 ** (started.attempts - 1) };
      }
      this.logger.warn({ batchId, key: item.s3Key, err: error }, 'batch item failed');
      await this.finish(batchId, index, 'failed', error.message);
      return 'done';
    }
  }

  /** For items the queue itself gave up on (a replica died with it too often). */
  async abandon(batchId: string, index: number, reason: string): Promise<void> {
    await this.finish(batchId, index, 'failed', reason);
  }

  private async finish(
    batchId: string,
    index: number,
    state: 'succeeded' | 'failed',
    error: string | undefined,
  ): Promise<void> {
    const outcome = await this.store.finishItem(batchId, index, state, error);
    this.metrics.item(state);
    if (outcome.batchFinished) this.callbacks.deliver(batchId);
  }
}
