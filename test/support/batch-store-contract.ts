import { randomUUID } from 'node:crypto';
import {
  itemOf,
  statusOf,
  type BatchItem,
  type BatchRecord,
  type BatchSpec,
} from '../../src/batches/batch.model';
import type { BatchStore } from '../../src/batches/batch.store';

const SPEC: BatchSpec = {
  classId: 'C1',
  testId: 'Test_5',
  studentIds: ['S1', 'S2'],
  teacherIds: [],
  includeOverall: false,
  origin: undefined,
  force: true,
  callbackUrl: 'http://127.0.0.1:9/callback',
};

function record(spec: Partial<BatchSpec> = {}): BatchRecord {
  return { batchId: randomUUID(), spec: { ...SPEC, ...spec }, createdAt: new Date(0).toISOString() };
}

function itemsOf(classId: string, ...studentIds: string[]): BatchItem[] {
  return studentIds.map((studentId) => itemOf({ kind: 'student', classId, testId: 'Test_5', studentId }));
}

/**
 * The item state machine every batch store implements (memory, Redis): the same transitions, the same
 * answers, each batch finished exactly once. `store()` gives a store with nothing in it.
 */
export function batchStoreContract(store: () => BatchStore): void {
  it('should create a queued batch with pending items and give it back whole', async () => {
    const batch = record();
    await expect(store().create(batch, itemsOf('C1', 'S1', 'S2'), undefined)).resolves.toEqual({
      batchId: batch.batchId,
      created: true,
    });
    const stored = await store().get(batch.batchId);
    // toEqual: a store that keeps JSON drops `origin: undefined`, which is the same record.
    expect(stored?.record).toEqual(batch);
    expect(stored).toMatchObject({
      state: 'queued',
      finishedAt: null,
      callback: { state: 'pending', attempts: 0 },
    });
    expect(stored?.items.map((item) => [item.studentId, item.state, item.attempts])).toEqual([
      ['S1', 'pending', 0],
      ['S2', 'pending', 0],
    ]);
  });

  it('should count items that arrive already succeeded as done, and complete a batch that has no other', async () => {
    const classId = `D${randomUUID().slice(0, 8)}`;
    const [stored, fresh] = itemsOf(classId, 'S1', 'S2');
    const batch = record({ classId });
    await store().create(batch, [{ ...stored, state: 'succeeded' }, fresh], undefined);
    await expect(store().pendingKeys(`reports/${classId}/`)).resolves.toEqual(new Set([fresh.s3Key]));
    await store().startItem(batch.batchId, 1);
    await expect(store().finishItem(batch.batchId, 1, 'succeeded', undefined)).resolves.toEqual({
      batchFinished: true,
    });
    const done = record({ classId });
    await store().create(done, [{ ...stored, state: 'succeeded' }], undefined);
    expect(await store().get(done.batchId)).toMatchObject({ state: 'completed', finishedAt: done.createdAt });
  });

  it('should answer null for a batch it does not hold', async () => {
    await expect(store().get(randomUUID())).resolves.toBeNull();
    await expect(store().item(randomUUID(), 0)).resolves.toBeNull();
    await expect(store().cancel(randomUUID())).resolves.toBeNull();
  });

  it('should answer the same batch for the same idempotency key and body, and a conflict for another body', async () => {
    const first = record();
    const key = { key: `k-${randomUUID()}`, fingerprint: 'f1' };
    await store().create(first, itemsOf('C1', 'S1'), key);
    await expect(store().create(record(), itemsOf('C1', 'S1'), key)).resolves.toEqual({
      batchId: first.batchId,
      created: false,
    });
    await expect(store().create(record(), itemsOf('C1', 'S1'), { ...key, fingerprint: 'f2' })).resolves.toBe(
      'conflict',
    );
  });

  it('should run an item, count its attempts, retry it and finish the batch exactly once', async () => {
    const batch = record();
    await store().create(batch, itemsOf('C1', 'S1', 'S2'), undefined);
    await expect(store().startItem(batch.batchId, 0)).resolves.toEqual({ run: true, attempts: 1 });
    expect((await store().get(batch.batchId))?.state).toBe('running');
    await store().retryItem(batch.batchId, 0, 'timeout');
    expect((await store().item(batch.batchId, 0))?.item).toMatchObject({
      state: 'pending',
      error: 'timeout',
    });
    await expect(store().startItem(batch.batchId, 0)).resolves.toEqual({ run: true, attempts: 2 });
    await expect(store().finishItem(batch.batchId, 0, 'succeeded', undefined)).resolves.toEqual({
      batchFinished: false,
    });
    expect((await store().item(batch.batchId, 0))?.item.error).toBeUndefined();
    await store().startItem(batch.batchId, 1);
    await expect(store().finishItem(batch.batchId, 1, 'failed', 'page_error')).resolves.toEqual({
      batchFinished: true,
    });
    // Finishing again (a second replica, a late duplicate) changes nothing and finishes nothing.
    await expect(store().finishItem(batch.batchId, 1, 'succeeded', undefined)).resolves.toEqual({
      batchFinished: false,
    });
    await expect(store().startItem(batch.batchId, 1)).resolves.toEqual({ run: false, attempts: 1 });
    const done = await store().get(batch.batchId);
    expect(done?.state).toBe('completed');
    expect(done?.finishedAt).not.toBeNull();
    expect(statusOf(done!)).toMatchObject({ total: 2, succeeded: 1, failed: 1, pending: 0 });
    expect(done?.items[1]).toMatchObject({ state: 'failed', error: 'page_error' });
  });

  it('should cancel pending items only, leave active ones to finish, and refuse a completed batch', async () => {
    const batch = record();
    await store().create(batch, itemsOf('C1', 'S1', 'S2', 'S3'), undefined);
    await store().startItem(batch.batchId, 0);
    await expect(store().cancel(batch.batchId)).resolves.toEqual({
      outcome: 'cancelled',
      batchFinished: false,
    });
    await expect(store().startItem(batch.batchId, 1)).resolves.toMatchObject({ run: false });
    await expect(store().finishItem(batch.batchId, 0, 'succeeded', undefined)).resolves.toEqual({
      batchFinished: true,
    });
    const cancelled = await store().get(batch.batchId);
    expect(cancelled?.state).toBe('cancelled');
    expect(cancelled?.items.map((item) => item.state)).toEqual(['succeeded', 'cancelled', 'cancelled']);

    const other = record();
    await store().create(other, itemsOf('C1', 'S1'), undefined);
    await store().startItem(other.batchId, 0);
    await store().finishItem(other.batchId, 0, 'succeeded', undefined);
    await expect(store().cancel(other.batchId)).resolves.toBe('completed');
  });

  it('should name the keys still pending or active under a prefix, and forget finished ones', async () => {
    const classId = `P${randomUUID().slice(0, 8)}`;
    const batch = record({ classId });
    await store().create(batch, itemsOf(classId, 'S1', 'S2'), undefined);
    const prefix = `reports/${classId}/`;
    await expect(store().pendingKeys(prefix)).resolves.toEqual(
      new Set([`${prefix}Test_5/students/S1.pdf`, `${prefix}Test_5/students/S2.pdf`]),
    );
    await store().startItem(batch.batchId, 0);
    await store().finishItem(batch.batchId, 0, 'succeeded', undefined);
    await expect(store().pendingKeys(prefix)).resolves.toEqual(new Set([`${prefix}Test_5/students/S2.pdf`]));
    await expect(store().pendingKeys(`reports/${classId}X/`)).resolves.toEqual(new Set());
    await expect(store().isPending(`${prefix}Test_5/students/S2.pdf`)).resolves.toBe(true);
    await expect(store().isPending(`${prefix}Test_5/students/S1.pdf`)).resolves.toBe(false);
  });

  it('should record the callback state', async () => {
    const batch = record();
    await store().create(batch, itemsOf('C1', 'S1'), undefined);
    await store().setCallback(batch.batchId, 'pending', 2);
    expect((await store().get(batch.batchId))?.callback).toEqual({ state: 'pending', attempts: 2 });
  });

  it('should hand an owed callback to one claimer once its lease runs out, and never a delivered one', async () => {
    const batch = record();
    await store().create(batch, itemsOf('C1', 'S1'), undefined);
    const now = Date.now();
    await store().oweCallback(batch.batchId, now + 60_000);
    expect(await store().claimDueCallbacks(now, now + 1000, 100)).not.toContain(batch.batchId);
    await store().oweCallback(batch.batchId, now - 1);
    expect(await store().claimDueCallbacks(now, now + 60_000, 100)).toContain(batch.batchId);
    // Claimed: leased to the first claimer, so a second one at the same moment gets nothing.
    expect(await store().claimDueCallbacks(now, now + 60_000, 100)).not.toContain(batch.batchId);
    await store().setCallback(batch.batchId, 'delivered', 1);
    expect(await store().claimDueCallbacks(now + 120_000, now + 180_000, 100)).not.toContain(batch.batchId);
  });

  it('should owe nothing for a batch it no longer holds', async () => {
    const gone = randomUUID();
    const now = Date.now();
    await store().oweCallback(gone, now - 1);
    expect(await store().claimDueCallbacks(now, now + 1000, 100)).not.toContain(gone);
  });
}
