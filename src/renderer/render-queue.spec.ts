import { RenderAbandoned, RenderQueueFull } from '../common/domain.errors';
import { RenderQueue } from './render-queue';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe(RenderQueue.name, () => {
  describe('run', () => {
    it('should run at most `concurrency` tasks at once, in FIFO order', async () => {
      const sut = new RenderQueue(2, 10);
      const gates = [deferred(), deferred(), deferred(), deferred()];
      const started: number[] = [];
      const runs = gates.map((gate, index) =>
        sut.run(async () => {
          started.push(index);
          await gate.promise;
          return index;
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(started).toEqual([0, 1]);
      expect(sut.load).toEqual({ active: 2, waiting: 2, waitingBatch: 0 });
      gates[1].resolve();
      await new Promise((resolve) => setImmediate(resolve));
      expect(started).toEqual([0, 1, 2]);
      gates.forEach((gate) => gate.resolve());
      await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
      expect(sut.load).toEqual({ active: 0, waiting: 0, waitingBatch: 0 });
    });

    it('should refuse at once when the queue is full', async () => {
      const sut = new RenderQueue(1, 2, 7);
      const gate = deferred();
      const runs = [0, 1, 2].map(() => sut.run(() => gate.promise));
      const refused = sut.run(() => gate.promise);
      await expect(refused).rejects.toBeInstanceOf(RenderQueueFull);
      await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 7 });
      gate.resolve();
      await Promise.all(runs);
    });

    it('should free the slot when a task fails', async () => {
      const sut = new RenderQueue(1, 0);
      await expect(sut.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(sut.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
      expect(sut.load).toEqual({ active: 0, waiting: 0, waitingBatch: 0 });
    });

    it('should drop a waiting task whose client went away, without running it', async () => {
      const sut = new RenderQueue(1, 5);
      const gate = deferred();
      const first = sut.run(() => gate.promise);
      const abandoned = new AbortController();
      let ran = false;
      const dropped = sut.run(() => {
        ran = true;
        return Promise.resolve();
      }, abandoned.signal);
      const third = sut.run(() => Promise.resolve('third'));
      expect(sut.load).toEqual({ active: 1, waiting: 2, waitingBatch: 0 });
      abandoned.abort();
      await expect(dropped).rejects.toBeInstanceOf(RenderAbandoned);
      expect(sut.load).toEqual({ active: 1, waiting: 1, waitingBatch: 0 });
      gate.resolve();
      await first;
      await expect(third).resolves.toBe('third');
      expect(ran).toBe(false);
      expect(sut.load).toEqual({ active: 0, waiting: 0, waitingBatch: 0 });
    });

    it('should refuse a task whose client is already gone', async () => {
      const sut = new RenderQueue(1, 5);
      await expect(sut.run(() => Promise.resolve(1), AbortSignal.abort())).rejects.toBeInstanceOf(
        RenderAbandoned,
      );
      expect(sut.load).toEqual({ active: 0, waiting: 0, waitingBatch: 0 });
    });

    it('should start interactive tasks before batch tasks that waited longer, and never refuse batch tasks', async () => {
      const sut = new RenderQueue(1, 1);
      const gate = deferred();
      const started: string[] = [];
      const task = (name: string) => () => {
        started.push(name);
        return Promise.resolve(name);
      };
      const first = sut.run(() => gate.promise);
      const batch = ['b1', 'b2', 'b3'].map((name) => sut.run(task(name), undefined, 'batch'));
      const interactive = sut.run(task('i1'));
      await expect(sut.run(task('i2'))).rejects.toBeInstanceOf(RenderQueueFull);
      expect(sut.load).toEqual({ active: 1, waiting: 1, waitingBatch: 3 });
      gate.resolve();
      await Promise.all([first, interactive, ...batch]);
      expect(started).toEqual(['i1', 'b1', 'b2', 'b3']);
    });
  });
});
