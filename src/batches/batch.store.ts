import type { BatchItem, BatchRecord, CallbackState, StoredBatch } from './batch.model';

/** How `create` went: a new batch, the same one again (same idempotency key and body), or a conflict. */
export type CreateOutcome = { batchId: string; created: boolean } | 'conflict';

/** What finishing an item did: `batchFinished` is true for exactly one caller per batch. */
export interface FinishOutcome {
  batchFinished: boolean;
}

/**
 * Where batch state lives: in this process (memory) or in Redis (shared by replicas). Every transition is
 * atomic, so two replicas finishing the last two items still finish the batch exactly once.
 */
export abstract class BatchStore {
  /** Does what it holds outlive this process (so another replica or a restart can finish the work)? */
  abstract readonly durable: boolean;
  abstract create(
    record: BatchRecord,
    items: BatchItem[],
    idempotency: { key: string; fingerprint: string } | undefined,
  ): Promise<CreateOutcome>;
  abstract get(batchId: string): Promise<StoredBatch | null>;
  /** One item and its batch's record, without reading every item (what a worker needs per item). */
  abstract item(batchId: string, index: number): Promise<{ record: BatchRecord; item: BatchItem } | null>;
  /** Marks an item active (one more attempt); `run: false` when it is already final or the batch was cancelled. */
  abstract startItem(batchId: string, index: number): Promise<{ run: boolean; attempts: number }>;
  /** Back to pending for a retry, remembering why the attempt failed. */
  abstract retryItem(batchId: string, index: number, error: string): Promise<void>;
  abstract finishItem(
    batchId: string,
    index: number,
    state: 'succeeded' | 'failed',
    error: string | undefined,
  ): Promise<FinishOutcome>;
  /** Cancels pending items; null for an unknown batch, 'completed' when there was nothing to cancel. */
  abstract cancel(batchId: string): Promise<(FinishOutcome & { outcome: 'cancelled' }) | 'completed' | null>;
  /** Records the callback's state; a final one ('delivered', 'failed') is owed no more. */
  abstract setCallback(batchId: string, state: CallbackState, attempts: number): Promise<void>;
  /** The batch's callback is owed; nobody else may take it over before `leaseUntil` (ms since the epoch). */
  abstract oweCallback(batchId: string, leaseUntil: number): Promise<void>;
  /**
   * Owed callbacks whose lease ran out by `now`, at most `limit`, each leased to the caller until
   * `leaseUntil` in the same step, so two replicas never take the same one.
   */
  abstract claimDueCallbacks(now: number, leaseUntil: number, limit: number): Promise<string[]>;
  /** Does some batch still have `key` pending or active? (One cheap call: the single report status.) */
  abstract isPending(key: string): Promise<boolean>;
  /** Keys under `prefix` that some batch still has pending or active (report status "generating"). */
  abstract pendingKeys(prefix: string): Promise<Set<string>>;
}
