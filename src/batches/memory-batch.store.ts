import {
  FINAL_ITEM_STATES,
  type BatchItem,
  type BatchRecord,
  type CallbackState,
  type StoredBatch,
} from './batch.model';
import { BatchStore, type CreateOutcome, type FinishOutcome } from './batch.store';

interface Entry {
  batch: StoredBatch;
  remaining: number;
  expiresAt: number;
}

/** Batch state in this process (BATCH_QUEUE=memory): one replica, gone on restart. */
export class MemoryBatchStore extends BatchStore {
  readonly durable = false;
  private readonly batches = new Map<string, Entry>();
  /** batchId → until when its callback is leased. */
  private readonly owed = new Map<string, number>();
  private readonly idempotency = new Map<
    string,
    { fingerprint: string; batchId: string; expiresAt: number }
  >();

  constructor(private readonly retentionMs: number) {
    super();
  }

  create(
    record: BatchRecord,
    items: BatchItem[],
    idempotency: { key: string; fingerprint: string } | undefined,
  ): Promise<CreateOutcome> {
    this.expire();
    if (idempotency) {
      const earlier = this.idempotency.get(idempotency.key);
      if (earlier) {
        return Promise.resolve(
          earlier.fingerprint === idempotency.fingerprint
            ? { batchId: earlier.batchId, created: false }
            : 'conflict',
        );
      }
    }
    const expiresAt = Date.now() + this.retentionMs;
    // Items may arrive already final (stored reports of a `force: false` batch): only the others remain.
    const remaining = items.filter((item) => item.state === 'pending').length;
    const finished = remaining === 0;
    this.batches.set(record.batchId, {
      batch: {
        record,
        state: finished ? 'completed' : 'queued',
        finishedAt: finished ? record.createdAt : null,
        items,
        callback: { state: record.spec.callbackUrl ? 'pending' : 'none', attempts: 0 },
      },
      remaining,
      expiresAt,
    });
    if (idempotency) {
      this.idempotency.set(idempotency.key, { ...idempotency, batchId: record.batchId, expiresAt });
    }
    return Promise.resolve({ batchId: record.batchId, created: true });
  }

  get(batchId: string): Promise<StoredBatch | null> {
    this.expire();
    const entry = this.batches.get(batchId);
    // A copy: callers never change the stored state by accident.
    return Promise.resolve(entry ? structuredClone(entry.batch) : null);
  }

  item(batchId: string, index: number): Promise<{ record: BatchRecord; item: BatchItem } | null> {
    const batch = this.batches.get(batchId)?.batch;
    const item = batch?.items[index];
    return Promise.resolve(batch && item ? structuredClone({ record: batch.record, item }) : null);
  }

  startItem(batchId: string, index: number): Promise<{ run: boolean; attempts: number }> {
    const entry = this.batches.get(batchId);
    const item = entry?.batch.items[index];
    if (!entry || !item || entry.batch.state === 'cancelled' || FINAL_ITEM_STATES.includes(item.state)) {
      return Promise.resolve({ run: false, attempts: item?.attempts ?? 0 });
    }
    item.state = 'active';
    item.attempts += 1;
    if (entry.batch.state === 'queued') entry.batch.state = 'running';
    return Promise.resolve({ run: true, attempts: item.attempts });
  }

  retryItem(batchId: string, index: number, error: string): Promise<void> {
    const item = this.batches.get(batchId)?.batch.items[index];
    if (item && item.state === 'active') {
      item.state = 'pending';
      item.error = error;
    }
    return Promise.resolve();
  }

  finishItem(
    batchId: string,
    index: number,
    state: 'succeeded' | 'failed',
    error: string | undefined,
  ): Promise<FinishOutcome> {
    const entry = this.batches.get(batchId);
    const item = entry?.batch.items[index];
    if (!entry || !item || FINAL_ITEM_STATES.includes(item.state))
      return Promise.resolve({ batchFinished: false });
    item.state = state;
    if (state === 'failed' && error !== undefined) item.error = error;
    else delete item.error;
    entry.remaining -= 1;
    return Promise.resolve({ batchFinished: this.finishIfDone(entry) });
  }

  cancel(batchId: string): Promise<(FinishOutcome & { outcome: 'cancelled' }) | 'completed' | null> {
    const entry = this.batches.get(batchId);
    if (!entry) return Promise.resolve(null);
    if (entry.batch.state === 'completed') return Promise.resolve('completed');
    if (entry.batch.state === 'cancelled')
      return Promise.resolve({ outcome: 'cancelled', batchFinished: false });
    entry.batch.state = 'cancelled';
    entry.batch.finishedAt = new Date().toISOString();
    for (const item of entry.batch.items) {
      if (item.state !== 'pending') continue;
      item.state = 'cancelled';
      entry.remaining -= 1;
    }
    return Promise.resolve({ outcome: 'cancelled', batchFinished: entry.remaining === 0 });
  }

  setCallback(batchId: string, state: CallbackState, attempts: number): Promise<void> {
    const entry = this.batches.get(batchId);
    if (entry) entry.batch.callback = { state, attempts };
    if (state === 'delivered' || state === 'failed') this.owed.delete(batchId);
    return Promise.resolve();
  }

  oweCallback(batchId: string, leaseUntil: number): Promise<void> {
    this.owed.set(batchId, leaseUntil);
    return Promise.resolve();
  }

  claimDueCallbacks(now: number, leaseUntil: number, limit: number): Promise<string[]> {
    this.expire();
    for (const batchId of this.owed.keys()) if (!this.batches.has(batchId)) this.owed.delete(batchId);
    const due = [...this.owed].filter(([, until]) => until <= now).slice(0, limit);
    for (const [batchId] of due) this.owed.set(batchId, leaseUntil);
    return Promise.resolve(due.map(([batchId]) => batchId));
  }

  async isPending(key: string): Promise<boolean> {
    return (await this.pendingKeys(key)).has(key);
  }

  pendingKeys(prefix: string): Promise<Set<string>> {
    const keys = new Set<string>();
    for (const { batch } of this.batches.values()) {
      for (const item of batch.items) {
        if ((item.state === 'pending' || item.state === 'active') && item.s3Key.startsWith(prefix))
          keys.add(item.s3Key);
      }
    }
    return Promise.resolve(keys);
  }

  /** Ends a batch whose last item just finished; true exactly once. */
  private finishIfDone(entry: Entry): boolean {
    if (entry.remaining > 0) return false;
    if (entry.batch.state !== 'cancelled') {
      entry.batch.state = 'completed';
      entry.batch.finishedAt = new Date().toISOString();
    }
    return true;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, entry] of this.batches) {
      if (entry.expiresAt > now) continue;
      this.batches.delete(id);
      this.owed.delete(id);
    }
    for (const [key, entry] of this.idempotency) if (entry.expiresAt <= now) this.idempotency.delete(key);
  }
}
