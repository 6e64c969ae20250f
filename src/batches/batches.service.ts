import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Conflict, InvalidInput, NotFound } from '../common/domain.errors';
import { BATCHES_CONFIG, type BatchesConfig } from '../config';
import { ReportCache } from '../report-cache';
import { ReportPageUrls } from '../reports';
import { currentTrace } from '../telemetry/spans';
import {
  itemOf,
  queueOf,
  reportsOf,
  statusOf,
  type BatchItem,
  type BatchSpec,
  type BatchStatus,
} from './batch.model';
import { BatchCallbacks } from './batch-callbacks';
import { BatchRunner } from './batch.runner';
import { BatchStore } from './batch.store';

/** Storage HEADs in flight at once while a `force: false` batch looks for what is stored already. */
const STORED_CHECKS_AT_ONCE = 32;

/** Batch ids are UUIDs; anything else names no batch (and never reaches storage as a key). */
const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** POST /internal/batches' answer: the batch, and whether this call created it. */
export interface CreatedBatch {
  status: BatchStatus;
  created: boolean;
}

/**
 * Batches of report renders for the backend: validated and expanded into one item per report key,
 * stored, queued for every replica's workers; looked up and cancelled by id on any replica.
 */
@Injectable()
export class BatchesService {
  private readonly callbackOrigins: ReadonlySet<string>;

  constructor(
    private readonly store: BatchStore,
    private readonly runner: BatchRunner,
    private readonly callbacks: BatchCallbacks,
    private readonly pages: ReportPageUrls,
    private readonly cache: ReportCache,
    @Inject(BATCHES_CONFIG) config: BatchesConfig,
  ) {
    this.callbackOrigins = new Set(config.callbackOrigins);
  }

  async create(spec: BatchSpec, idempotencyKey: string | undefined): Promise<CreatedBatch> {
    const items = this.itemsOf(spec);
    const purgeEpoch = await this.cache.purgeEpoch();
    if (!spec.force) await this.settleStored(items);
    const batchId = randomUUID();
    const outcome = await this.store.create(
      {
        batchId,
        spec,
        createdAt: new Date().toISOString(),
        purgeEpoch,
        trace: currentTrace(),
      },
      items,
      idempotencyKey === undefined ? undefined : { key: idempotencyKey, fingerprint: fingerprintOf(spec) },
    );
    if (outcome === 'conflict') {
      throw new Conflict('Idempotency-Key was already used for a different batch');
    }
    if (outcome.created) {
      const queue = queueOf(items, spec.priority);
      if (queue.length > 0) await this.runner.enqueue(batchId, queue);
      else if (spec.callbackUrl) this.callbacks.deliver(batchId);
    }
    return { status: await this.status(outcome.batchId), created: outcome.created };
  }

  /** The batch; `items` lists all of them, only the failed ones, or none (the counters always count all). */
  async status(batchId: string, items: 'all' | 'failed' | 'none' = 'all'): Promise<BatchStatus> {
    const batch = BATCH_ID.test(batchId) ? await this.store.get(batchId) : null;
    if (!batch) throw new NotFound('no such batch (unknown or expired)');
    const status = statusOf(batch);
    switch (items) {
      case 'all':
        return status;
      case 'failed':
        return { ...status, items: status.items.filter((item) => item.state === 'failed') };
      case 'none':
        return { ...status, items: [] };
    }
  }

  /** Has some batch not finished `key` yet? */
  isPending(key: string): Promise<boolean> {
    return this.store.isPending(key);
  }

  /** Report keys under `prefix` some batch has not finished yet. */
  pendingKeys(prefix: string): Promise<Set<string>> {
    return this.store.pendingKeys(prefix);
  }

  /** Pending items are cancelled; active ones finish. A completed batch cannot be cancelled (409). */
  async cancel(batchId: string): Promise<BatchStatus> {
    const outcome = BATCH_ID.test(batchId) ? await this.store.cancel(batchId) : null;
    if (outcome === null) throw new NotFound('no such batch (unknown or expired)');
    if (outcome === 'completed') throw new Conflict('the batch is already completed');
    if (outcome.batchFinished) this.callbacks.deliver(batchId);
    return this.status(batchId);
  }

  /**
   * `force: false` keeps stored PDFs: an item whose report is stored already succeeds here, before it is
   * queued, so it costs one storage HEAD instead of a queue round trip and a render slot (a class re-sent
   * after a blip costs almost nothing). Storage that cannot answer counts as not stored: that item renders.
   */
  private async settleStored(items: BatchItem[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++];
        if (await this.cache.isStored(item.s3Key)) item.state = 'succeeded';
      }
    };
    await Promise.all(Array.from({ length: Math.min(STORED_CHECKS_AT_ONCE, items.length) }, worker));
  }

  private itemsOf(spec: BatchSpec) {
    if (spec.studentIds.length + spec.teacherIds.length === 0 && !spec.includeOverall) {
      throw new InvalidInput('studentIds', 'teacherIds and includeOverall name no report at all');
    }
    this.pages.assertAllowed(spec.origin);
    if (spec.callbackUrl !== undefined) {
      const url = URL.canParse(spec.callbackUrl) ? new URL(spec.callbackUrl) : undefined;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new InvalidInput('callbackUrl', 'must be an http(s) URL');
      }
      if (!this.callbackOrigins.has(url.origin)) {
        throw new InvalidInput('callbackUrl', `origin ${url.origin} is not in CALLBACK_ORIGINS`);
      }
    }
    return reportsOf(spec).map(itemOf);
  }
}

/** The same body twice is the same batch: a digest of its fields in a fixed order. */
function fingerprintOf(spec: BatchSpec): string {
  const canonical = JSON.stringify([
    spec.classId,
    spec.testId,
    spec.studentIds,
    spec.teacherIds,
    spec.includeOverall,
    spec.origin ?? null,
    spec.force,
    spec.callbackUrl ?? null,
    spec.priority ?? 'normal',
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
