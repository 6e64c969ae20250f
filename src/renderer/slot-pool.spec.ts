import { SlotPool, type PoolBrowser } from './slot-pool';

interface FakeSlot {
  browser: PoolBrowser;
  id: number;
}

function fakeBrowser(): { connected: boolean } {
  return { connected: true };
}

function setup(size: number) {
  let opened = 0;
  const open = jest.fn((browser: PoolBrowser): Promise<FakeSlot> =>
    Promise.resolve({ browser, id: ++opened }),
  );
  const sut = new SlotPool<FakeSlot>(size, open);
  return { sut, open };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(SlotPool.name, () => {
  describe('hasRoom', () => {
    it('should say whether a render could start without waiting: room to open, or an idle slot', async () => {
      const { sut } = setup(2);
      const browser = fakeBrowser();
      expect(sut.hasRoom()).toBe(true);
      const first = await sut.acquire(browser);
      expect(sut.hasRoom()).toBe(true);
      await sut.acquire(browser);
      expect(sut.hasRoom()).toBe(false);
      sut.release(first);
      expect(sut.hasRoom()).toBe(true);
    });
  });

  describe('acquire', () => {
    it('should open slots up to its size, then wait for one to come back', async () => {
      const { sut, open } = setup(2);
      const browser = fakeBrowser();
      const first = await sut.acquire(browser);
      await sut.acquire(browser);
      let third: FakeSlot | undefined;
      void sut.acquire(browser).then((slot) => (third = slot));
      await settle();
      expect(third).toBeUndefined();
      expect(open).toHaveBeenCalledTimes(2);
      sut.release(first);
      await settle();
      expect(third).toBe(first);
      expect(open).toHaveBeenCalledTimes(2);
    });

    it('should open a new slot when a closed one frees its place', async () => {
      const { sut, open } = setup(1);
      const browser = fakeBrowser();
      const first = await sut.acquire(browser);
      const waiting = sut.acquire(browser);
      sut.forget(first.browser);
      const second = await waiting;
      expect(second).not.toBe(first);
      expect(open).toHaveBeenCalledTimes(2);
    });

    it('should start afresh for a new browser and never hand out the old one’s slots', async () => {
      const { sut } = setup(1);
      const old = fakeBrowser();
      const oldSlot = await sut.acquire(old);
      const fresh = fakeBrowser();
      const freshSlot = await sut.acquire(fresh);
      expect(freshSlot.browser).toBe(fresh);
      sut.release(oldSlot);
      const next = sut.acquire(fresh);
      sut.release(freshSlot);
      await expect(next).resolves.toBe(freshSlot);
    });

    it('should fail a waiter whose browser went away', async () => {
      const { sut } = setup(1);
      const browser = fakeBrowser();
      const slot = await sut.acquire(browser);
      const waiting = sut.acquire(browser);
      browser.connected = false;
      sut.forget(slot.browser);
      await expect(waiting).rejects.toThrow('the browser went away');
    });

    it('should free the place when opening fails', async () => {
      const browser = fakeBrowser();
      const open = jest
        .fn<Promise<FakeSlot>, [PoolBrowser]>()
        .mockRejectedValueOnce(new Error('no context'))
        .mockResolvedValueOnce({ browser, id: 2 });
      const sut = new SlotPool<FakeSlot>(1, open);
      await expect(sut.acquire(browser)).rejects.toThrow('no context');
      await expect(sut.acquire(browser)).resolves.toEqual({ browser, id: 2 });
    });
  });
});
