/** Work per key, one at a time in arrival order; different keys never wait for each other. */
export class KeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Keys with work queued or running now. */
  get keys(): string[] {
    return [...this.tails.keys()];
  }

  has(key: string): boolean {
    return this.tails.has(key);
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    // The next in line starts when this one ends, however it ends.
    const result = before.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
