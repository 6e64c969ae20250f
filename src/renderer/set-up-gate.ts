/**
 * Renders between taking a slot and sending their report page's request. A slot's wipe waits for them (at
 * most `maxWaitMs`): the wipe's protocol calls and navigation would otherwise queue in the same browser ahead
 * of the next render's own, and that render's set-up would wait for another slot's clean-up.
 */
export class SetUpGate {
  private starting = 0;
  private waiters: (() => void)[] = [];

  /** One render's set-up begins; the returned function ends it (calling it again does nothing). */
  enter(): () => void {
    this.starting += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.starting -= 1;
      if (this.starting === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  /** Resolves when no render is setting up, or after `maxWaitMs`, whichever is first. */
  idle(maxWaitMs: number): Promise<void> {
    if (this.starting === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
