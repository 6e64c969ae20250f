import { RenderFlights, type FlightControl } from './render-flights';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((done, fail) => ((resolve = done), (reject = fail)));
  return { promise, resolve, reject };
}

describe(RenderFlights.name, () => {
  describe('join', () => {
    it('should share one run among concurrent callers of a key', async () => {
      const sut = new RenderFlights<number>();
      let runs = 0;
      const work = () => new Promise<number>((resolve) => setTimeout(() => resolve(++runs), 10));
      const waiter = { store: true };
      const results = await Promise.all([
        sut.join('a', waiter, work),
        sut.join('a', waiter, work),
        sut.join('b', waiter, work),
      ]);
      expect(results.sort()).toEqual([1, 1, 2]);
      expect(runs).toBe(2);
      expect(sut.keys).toEqual([]);
    });

    it('should forget a failed run so the next caller tries again', async () => {
      const sut = new RenderFlights<string>();
      await expect(sut.join('a', { store: true }, () => Promise.reject(new Error('boom')))).rejects.toThrow(
        'boom',
      );
      await expect(sut.join('a', { store: true }, () => Promise.resolve('ok'))).resolves.toBe('ok');
    });

    it('should store when any waiter may, even one that joined late', async () => {
      const sut = new RenderFlights<boolean>();
      const gate = deferred<void>();
      let control: FlightControl | undefined;
      const first = sut.join('k', { store: false }, async (given) => {
        control = given;
        await gate.promise;
        return given.shouldStore();
      });
      expect(control?.shouldStore()).toBe(false);
      const second = sut.join('k', { store: true }, () => Promise.resolve(false));
      gate.resolve();
      await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    });

    it('should be abandoned only when every waiter has gone', async () => {
      const sut = new RenderFlights<void>();
      const gate = deferred<void>();
      let control: FlightControl | undefined;
      const one = new AbortController();
      const two = new AbortController();
      const work = (given: FlightControl) => {
        control = given;
        return gate.promise;
      };
      const results = [
        sut.join('k', { store: true, gone: one.signal }, work),
        sut.join('k', { store: true, gone: two.signal }, work),
      ];
      one.abort();
      expect(control?.abandoned.aborted).toBe(false);
      two.abort();
      expect(control?.abandoned.aborted).toBe(true);
      gate.resolve();
      await Promise.all(results);
    });

    it('should never be abandoned while a caller without a signal waits', async () => {
      const sut = new RenderFlights<void>();
      const gate = deferred<void>();
      let control: FlightControl | undefined;
      const leaving = new AbortController();
      const work = (given: FlightControl) => {
        control = given;
        return gate.promise;
      };
      const results = [
        sut.join('k', { store: true }, work),
        sut.join('k', { store: true, gone: leaving.signal }, work),
      ];
      leaving.abort();
      expect(control?.abandoned.aborted).toBe(false);
      gate.resolve();
      await Promise.all(results);
    });
  });
});
