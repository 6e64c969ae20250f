import { SingleFlight } from './single-flight';

describe(SingleFlight.name, () => {
  describe('run', () => {
    it('should share one run among concurrent callers of a key', async () => {
      const sut = new SingleFlight<number>();
      let runs = 0;
      const work = () => new Promise<number>((resolve) => setTimeout(() => resolve(++runs), 10));
      const results = await Promise.all([sut.run('a', work), sut.run('a', work), sut.run('b', work)]);
      expect(results.sort()).toEqual([1, 1, 2]);
      expect(runs).toBe(2);
      expect(sut.size).toBe(0);
    });

    it('should forget a failed run so the next caller tries again', async () => {
      const sut = new SingleFlight<string>();
      await expect(sut.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(sut.run('a', () => Promise.resolve('ok'))).resolves.toBe('ok');
    });
  });
});
