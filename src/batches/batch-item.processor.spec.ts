import { RenderFailed, ReportPurged, StorageUnavailable } from '../common/domain.errors';
import { strictFake } from '../common/strict-fake.testing';
import type { BatchesConfig } from '../config';
import type { ReportCache } from '../report-cache';
import type { ReportsService } from '../reports';
import { itemOf, type BatchRecord } from './batch.model';
import type { BatchCallbacks } from './batch-callbacks';
import { BatchItemProcessor } from './batch-item.processor';
import type { BatchStore } from './batch.store';
import type { BatchesMetrics } from './batches.metrics';

const BATCH_ID = '00000000-0000-4000-8000-000000000002';
const config = { attempts: 3, retryBackoffMs: 100 } as BatchesConfig;
const record: BatchRecord = {
  batchId: BATCH_ID,
  createdAt: new Date(0).toISOString(),
  spec: {
    classId: 'C1',
    testId: 'Test_5',
    studentIds: ['S1'],
    teacherIds: [],
    includeOverall: false,
    origin: undefined,
    force: false,
    callbackUrl: undefined,
  },
};
const item = itemOf({ kind: 'student', classId: 'C1', testId: 'Test_5', studentId: 'S1' });

function setup(
  generate: ReportsService['generate'],
  attempts: number,
  batchFinished = false,
  options: { record?: BatchRecord; cache?: ReportCache } = {},
) {
  const events: string[] = [];
  const store = strictFake<BatchStore>('store', {
    item: () => Promise.resolve({ record: options.record ?? record, item }),
    startItem: () => Promise.resolve({ run: true, attempts }),
    retryItem: (_id, _index, error) => Promise.resolve(void events.push(`retry ${error}`)),
    finishItem: (_id, _index, state, error) => {
      events.push(`finish ${state}${error ? ` ${error}` : ''}`);
      return Promise.resolve({ batchFinished });
    },
  });
  const callbacks = strictFake<BatchCallbacks>('callbacks', { deliver: () => void events.push('callback') });
  const metrics = strictFake<BatchesMetrics>('metrics', {
    item: (state) => void events.push(`count ${state}`),
  });
  const reports = strictFake<ReportsService>('reports', { generate });
  const cache = options.cache ?? strictFake<ReportCache>('cache', {});
  return { sut: new BatchItemProcessor(store, reports, cache, callbacks, config, metrics), events };
}

const stored = () => Promise.resolve({ key: item.s3Key, cached: false, bytes: 1, durationMs: 1 });

describe(BatchItemProcessor.name, () => {
  describe('process', () => {
    it('should render the item at batch priority with the batch spec, and finish it succeeded', async () => {
      const generate = jest.fn(stored);
      const { sut, events } = setup(generate, 1);
      await expect(sut.process(BATCH_ID, 0)).resolves.toBe('done');
      expect(generate).toHaveBeenCalledWith(
        expect.objectContaining({
          reportType: 'student',
          classId: 'C1',
          studentId: 'S1',
          force: false,
          requestId: `batch:${BATCH_ID}:0`,
        }),
        'batch',
      );
      expect(events).toEqual(['finish succeeded', 'count succeeded']);
    });

    it('should schedule a retry of a transient failure with exponential backoff', async () => {
      const { sut, events } = setup(() => Promise.reject(new StorageUnavailable('write')), 2);
      await expect(sut.process(BATCH_ID, 0)).resolves.toEqual({ retryInMs: 200 });
      expect(events).toEqual([expect.stringMatching(/^retry storage write failed/), 'count retried']);
    });

    it('should fail a permanent failure at once', async () => {
      const { sut, events } = setup(
        () => Promise.reject(new RenderFailed('page_error', 'the page said no')),
        1,
      );
      await expect(sut.process(BATCH_ID, 0)).resolves.toBe('done');
      expect(events).toEqual([expect.stringMatching(/^finish failed /), 'count failed']);
    });

    it('should fail a transient failure on its last attempt', async () => {
      const { sut, events } = setup(() => Promise.reject(new StorageUnavailable('write')), 3);
      await expect(sut.process(BATCH_ID, 0)).resolves.toBe('done');
      expect(events).toEqual([expect.stringMatching(/^finish failed /), 'count failed']);
    });

    it('should try a timeout at most twice, whatever BATCH_ATTEMPTS allows', async () => {
      const timeout = () => Promise.reject(new RenderFailed('timeout', 'slow page'));
      await expect(setup(timeout, 1).sut.process(BATCH_ID, 0)).resolves.toEqual({ retryInMs: 100 });
      const second = setup(timeout, 2);
      await expect(second.sut.process(BATCH_ID, 0)).resolves.toBe('done');
      expect(second.events[0]).toMatch(/^finish failed /);
    });

    it('should end an item whose key was purged after its batch was queued as failed "purged", unrendered', async () => {
      const generate = jest.fn(stored);
      const asked: Array<[string, number]> = [];
      const cache = strictFake<ReportCache>('cache', {
        purgedSince: (key, epoch) => {
          asked.push([key, epoch]);
          return Promise.resolve(true);
        },
      });
      const { sut, events } = setup(generate, 1, false, { record: { ...record, purgeEpoch: 4 }, cache });
      await expect(sut.process(BATCH_ID, 0)).resolves.toBe('done');
      expect(asked).toEqual([[item.s3Key, 4]]);
      expect(generate).not.toHaveBeenCalled();
      expect(events).toEqual(['finish failed purged', 'count failed']);
    });

    it('should render an item queued after any purge, naming its batch epoch, and end a purge during it "purged"', async () => {
      const cache = strictFake<ReportCache>('cache', { purgedSince: () => Promise.resolve(false) });
      const generate = jest.fn((_trigger: unknown) => Promise.reject(new ReportPurged()));
      const { sut, events } = setup(generate, 1, false, { record: { ...record, purgeEpoch: 4 }, cache });
      await expect(sut.process(BATCH_ID, 0)).resolves.toBe('done');
      expect(generate.mock.calls[0][0]).toMatchObject({ purgeEpoch: 4 });
      expect(events).toEqual(['finish failed purged', 'count failed']);
    });

    it('should send the callback when its item finished the batch', async () => {
      const { sut, events } = setup(stored, 1, true);
      await sut.process(BATCH_ID, 0);
      expect(events).toEqual(['finish succeeded', 'count succeeded', 'callback']);
    });

    it('should let an error that is not ours through (the runner abandons the item)', async () => {
      const { sut } = setup(() => Promise.reject(new TypeError('bug')), 1);
      await expect(sut.process(BATCH_ID, 0)).rejects.toBeInstanceOf(TypeError);
    });

    it('should not run an item the store says is final or cancelled', async () => {
      const store = strictFake<BatchStore>('store', {
        item: () => Promise.resolve({ record, item }),
        startItem: () => Promise.resolve({ run: false, attempts: 1 }),
      });
      const idle = new BatchItemProcessor(
        store,
        strictFake<ReportsService>('reports', {}),
        strictFake<ReportCache>('cache', {}),
        strictFake<BatchCallbacks>('callbacks', {}),
        config,
        strictFake<BatchesMetrics>('metrics', {}),
      );
      // The strict fakes fail the test on any render, finish or count.
      await expect(idle.process(BATCH_ID, 0)).resolves.toBe('done');
    });
  });
});
