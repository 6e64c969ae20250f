import { viewerFromClaims } from '../auth';
import { strictFake } from '../common/strict-fake.testing';
import { RenderBudget } from './render-budget';
import type { ReportsMetrics } from './reports.metrics';
import { ViewerRenders } from './viewer-renders';

const student = viewerFromClaims({ role: 'student', user_id: 'S1' });

function setup(perMinute: number | undefined, maxConcurrent: number | undefined) {
  const rejected: string[] = [];
  const metrics = strictFake<ReportsMetrics>('metrics', {
    renderRejected: (reason) => void rejected.push(reason),
  });
  const sut = new ViewerRenders(new RenderBudget(perMinute, undefined, null), maxConcurrent, metrics);
  return { sut, rejected };
}

describe(ViewerRenders.name, () => {
  describe('run', () => {
    it('should refuse a render past the per-minute budget with 429 and count it', async () => {
      const { sut, rejected } = setup(1, undefined);
      await expect(sut.run(student, () => Promise.resolve('first'))).resolves.toBe('first');
      await expect(sut.run(student, () => Promise.resolve('second'))).rejects.toMatchObject({
        code: 'too_many_renders',
        limit: 'rate',
        retryAfterSeconds: expect.any(Number),
      });
      expect(rejected).toEqual(['rate']);
    });

    it('should refuse a render past the concurrent cap and count it', async () => {
      const { sut, rejected } = setup(undefined, 1);
      let finish!: () => void;
      const running = sut.run(student, () => new Promise<void>((resolve) => (finish = resolve)));
      await expect(sut.run(student, () => Promise.resolve())).rejects.toMatchObject({ limit: 'concurrent' });
      finish();
      await running;
      expect(rejected).toEqual(['concurrent']);
    });
  });

  describe('assertRoomFor', () => {
    it('should refuse up front when the uncached entries exceed the budget', async () => {
      const { sut, rejected } = setup(2, undefined);
      const asked: number[] = [];
      const uncached = (entry: number) => {
        asked.push(entry);
        return Promise.resolve(entry > 1);
      };
      await expect(sut.assertRoomFor(student, [1, 2, 3, 4], uncached)).rejects.toMatchObject({
        limit: 'rate',
      });
      expect(asked).toEqual([1, 2, 3, 4]);
      // entries 2, 3, 4 are uncached: the third one is past the budget of two.
      expect(rejected).toEqual(['rate']);
    });

    it('should let a bulk through that fits, and not ask anything without a budget', async () => {
      await expect(
        setup(2, undefined).sut.assertRoomFor(student, [1, 2], () => Promise.resolve(true)),
      ).resolves.toBeUndefined();
      const never = () => Promise.reject(new Error('must not be asked'));
      await expect(
        setup(undefined, undefined).sut.assertRoomFor(student, [1], never),
      ).resolves.toBeUndefined();
    });
  });
});
