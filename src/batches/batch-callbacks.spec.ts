import { strictFake } from '../common/strict-fake.testing';
import type { BatchesConfig } from '../config';
import { itemOf, type StoredBatch } from './batch.model';
import { BatchCallbacks, signCallback, type CallbackPost } from './batch-callbacks';
import type { BatchStore } from './batch.store';
import type { BatchesMetrics } from './batches.metrics';

const BATCH_ID = '00000000-0000-4000-8000-000000000001';
const config = { callbackBackoffMs: 1, callbackSecret: 's' } as BatchesConfig;

function storedBatch(callback: StoredBatch['callback'] = { state: 'pending', attempts: 0 }): StoredBatch {
  const failed = {
    ...itemOf({ kind: 'student', classId: 'C1', testId: 'Test_5', studentId: 'S2' }),
    state: 'failed' as const,
    error: 'page_error',
  };
  return {
    record: {
      batchId: BATCH_ID,
      createdAt: new Date(0).toISOString(),
      spec: {
        classId: 'C1',
        testId: 'Test_5',
        studentIds: ['S1', 'S2'],
        teacherIds: [],
        includeOverall: false,
        origin: undefined,
        force: true,
        callbackUrl: 'http://127.0.0.1:9/cb',
      },
    },
    state: 'completed',
    finishedAt: new Date(1).toISOString(),
    items: [
      {
        ...itemOf({ kind: 'student', classId: 'C1', testId: 'Test_5', studentId: 'S1' }),
        state: 'succeeded',
      },
      failed,
    ],
    callback,
  };
}

function setup(posts: string[], batch: StoredBatch | null = storedBatch(), graceMs = 1000) {
  const states: Array<[string, number]> = [];
  const outcomes: string[] = [];
  const bodies: string[] = [];
  const store = strictFake<BatchStore>('store', {
    durable: true,
    get: () => Promise.resolve(batch),
    oweCallback: () => Promise.resolve(),
    setCallback: (_id, state, attempts) => Promise.resolve(void states.push([state, attempts])),
    claimDueCallbacks: () => Promise.resolve([]),
  });
  const metrics = strictFake<BatchesMetrics>('metrics', {
    callback: (outcome) => void outcomes.push(outcome),
  });
  const post: CallbackPost = (_url, body) => {
    bodies.push(body);
    return Promise.resolve(posts.shift() ?? 'status 500');
  };
  const sut = new BatchCallbacks(store, config, graceMs, metrics, post);
  return { sut, states, outcomes, bodies };
}

/** Stopping waits for every delivery under way: after it, what was sent is all that will be. */
async function delivered(sut: BatchCallbacks): Promise<void> {
  await sut.beforeApplicationShutdown();
}

describe(BatchCallbacks.name, () => {
  describe('deliver', () => {
    it('should post the status without items, with the failures, and record it delivered', async () => {
      const { sut, states, outcomes, bodies } = setup(['delivered']);
      sut.deliver(BATCH_ID);
      await delivered(sut);
      expect(states).toEqual([['delivered', 1]]);
      expect(outcomes).toEqual(['delivered']);
      const body = JSON.parse(bodies[0]) as Record<string, unknown>;
      expect(body).not.toHaveProperty('items');
      expect(body).not.toHaveProperty('callback');
      expect(body).toMatchObject({
        batchId: BATCH_ID,
        succeeded: 1,
        failed: 1,
        failures: [{ s3Key: 'reports/C1/Test_5/students/S2.pdf', error: 'page_error' }],
      });
    });

    it('should retry with backoff and give up after five attempts', async () => {
      const { sut, states, outcomes } = setup([]);
      sut.deliver(BATCH_ID);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await delivered(sut);
      expect(states).toEqual([
        ['pending', 1],
        ['pending', 2],
        ['pending', 3],
        ['pending', 4],
        ['failed', 5],
      ]);
      expect(outcomes).toEqual(['failed']);
    });

    it('should continue from the attempts another replica made', async () => {
      const { sut, states } = setup(['delivered'], storedBatch({ state: 'pending', attempts: 3 }));
      sut.deliver(BATCH_ID);
      await delivered(sut);
      expect(states).toEqual([['delivered', 4]]);
    });

    it('should send nothing for a callback already delivered or a batch gone', async () => {
      for (const batch of [storedBatch({ state: 'delivered', attempts: 1 }), null]) {
        const { sut, bodies } = setup(['delivered'], batch);
        sut.deliver(BATCH_ID);
        await delivered(sut);
        expect(bodies).toEqual([]);
      }
    });
  });

  describe('beforeApplicationShutdown', () => {
    it('should wait for an attempt in flight', async () => {
      let answer!: (outcome: string) => void;
      const states: string[] = [];
      const store = strictFake<BatchStore>('store', {
        durable: false,
        get: () => Promise.resolve(storedBatch()),
        oweCallback: () => Promise.resolve(),
        setCallback: (_id, state) => Promise.resolve(void states.push(state)),
      });
      const metrics = strictFake<BatchesMetrics>('metrics', { callback: () => undefined });
      const sut = new BatchCallbacks(
        store,
        config,
        5000,
        metrics,
        () => new Promise((resolve) => (answer = resolve)),
      );
      sut.deliver(BATCH_ID);
      await new Promise((resolve) => setImmediate(resolve));
      const stopped = sut.beforeApplicationShutdown();
      setTimeout(() => answer('delivered'), 50);
      await stopped;
      expect(states).toEqual(['delivered']);
    });

    it('should leave a callback waiting for its next attempt owed to whoever runs next (durable store)', async () => {
      const owed: number[] = [];
      const store = strictFake<BatchStore>('store', {
        durable: true,
        get: () => Promise.resolve(storedBatch()),
        oweCallback: (_id, until) => Promise.resolve(void owed.push(until)),
        setCallback: () => Promise.resolve(),
      });
      const metrics = strictFake<BatchesMetrics>('metrics', {});
      const slow = { callbackBackoffMs: 60_000, callbackSecret: 's' } as BatchesConfig;
      const sut = new BatchCallbacks(store, slow, 1000, metrics, () => Promise.resolve('status 503'));
      sut.deliver(BATCH_ID);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const before = Date.now();
      await sut.beforeApplicationShutdown();
      // The last lease is the next attempt's own time, not the longer one covering this replica's wait.
      const last = owed[owed.length - 1];
      expect(last).toBeGreaterThanOrEqual(before + 55_000);
      expect(last).toBeLessThanOrEqual(Date.now() + 60_000);
    });
  });

  describe('sweep', () => {
    it('should deliver the callbacks whose lease ran out', async () => {
      const states: string[] = [];
      const store = strictFake<BatchStore>('store', {
        durable: true,
        claimDueCallbacks: () => Promise.resolve([BATCH_ID]),
        get: () => Promise.resolve(storedBatch()),
        oweCallback: () => Promise.resolve(),
        setCallback: (_id, state) => Promise.resolve(void states.push(state)),
      });
      const metrics = strictFake<BatchesMetrics>('metrics', { callback: () => undefined });
      const sut = new BatchCallbacks(store, config, 1000, metrics, () => Promise.resolve('delivered'));
      await sut.sweep();
      await sut.beforeApplicationShutdown();
      expect(states).toEqual(['delivered']);
    });
  });

  describe(signCallback.name, () => {
    it('should sign the timestamp and body with HMAC-SHA256', () => {
      expect(signCallback('secret', '1700000000', '{}')).toBe(
        'sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163',
      );
    });
  });
});
