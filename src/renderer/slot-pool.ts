/** What the pool needs of a browser: whether it is still there. */
export interface PoolBrowser {
  readonly connected: boolean;
}

/** A slot belongs to the browser that opened it. */
export interface PoolSlot<B extends PoolBrowser> {
  readonly browser: B;
}

/**
 * At most `size` slots per browser, however many are busy, idle or being wiped. A render that finds none
 * idle waits for a wipe to finish rather than opening yet another context: a wipe is far cheaper than a
 * new context's renderer process, and the bound keeps Chromium's memory flat under bursts.
 */
export class SlotPool<S extends PoolSlot<B>, B extends PoolBrowser = S['browser']> {
  private idle: S[] = [];
  private total = 0;
  private browser: B | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly size: number,
    private readonly open: (browser: B) => Promise<S>,
  ) {}

  async acquire(browser: B): Promise<S> {
    if (browser !== this.browser) {
      // A relaunched or recycled browser: the old one's slots go with it (its close takes their contexts).
      this.browser = browser;
      this.idle = [];
      this.total = 0;
    }
    for (;;) {
      const slot = this.idle.pop();
      if (slot) return slot;
      if (this.total < this.size) {
        this.total += 1;
        try {
          return await this.open(browser);
        } catch (error) {
          this.forget(browser);
          throw error;
        }
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      if (browser !== this.browser || !browser.connected) throw new Error('the browser went away');
    }
  }

  /** Could a render start now without waiting for a slot (one idle, or room to open one)? */
  hasRoom(): boolean {
    return this.idle.length > 0 || this.total < this.size;
  }

  /** A clean slot goes back for the next render. */
  release(slot: S): void {
    if (slot.browser === this.browser) this.idle.push(slot);
    this.waiters.shift()?.();
  }

  /** A slot that was closed (failed render, failed wipe, or worn out) frees its place. */
  forget(browser: B): void {
    if (browser === this.browser) this.total -= 1;
    this.waiters.shift()?.();
  }
}
