import { strictFake } from '../common/strict-fake.testing';
import type { BatchItemProcessor } from './batch-item.processor';
import { MemoryBatchRunner } from './memory-batch.runner';

describe(MemoryBatchRunner.name, () => {
  describe('enqueue', () => {
    it('should start items lowest priority number first, in arrival order within one', async () => {
      const started: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const processor = strictFake<BatchItemProcessor>('processor', {
        process: async (batchId, index) => {
          started.push(`${batchId}#${index}`);
          if (started.length === 1) await gate;
          return 'done';
        },
      });
      const sut = new MemoryBatchRunner(processor, 1, 1000);
      // The one slot is taken by the first big item; then a small batch arrives behind the rest.
      await sut.enqueue(
        'big',
        [1, 2, 3, 4].map((priority, index) => ({ index, priority })),
      );
      await sut.enqueue(
        'small',
        [1, 2].map((priority, index) => ({ index, priority })),
      );
      await expect(sut.backlog()).resolves.toBe(5);
      release();
      for (let tick = 0; tick < 100 && started.length < 6; tick += 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(started).toEqual(['big#0', 'small#0', 'big#1', 'small#1', 'big#2', 'big#3']);
    });
  });
});
