/** A held per-key render lock; `release()` once the render is stored (or failed). */
export interface KeyLease {
  release(): Promise<void>;
}

/**
 * Per-key render locks shared by every replica: one render of a report key at a time across the fleet.
 * A lock whose holder died expires after BATCH_STALL_MS, so no key stays locked forever.
 */
export abstract class KeyLocks {
  /** The lock, or null when another replica holds it. */
  abstract tryAcquire(key: string): Promise<KeyLease | null>;
  /** Resolves when nobody holds the lock any more, or after `timeoutMs` (false then). */
  abstract waitForRelease(key: string, timeoutMs: number): Promise<boolean>;
  /** Is `key` being rendered now, on any replica? (One cheap call.) */
  abstract isHeld(key: string): Promise<boolean>;
  /**
   * Keys starting with `prefix` being rendered now, on any replica; a class/test folder prefix
   * (`reports/C1/Test_5/`) or deeper is one bounded read.
   */
  abstract held(prefix: string): Promise<string[]>;
}

/** One replica: the in-process single flight already makes one render per key; nothing to share. */
export class LocalKeyLocks extends KeyLocks {
  tryAcquire(): Promise<KeyLease> {
    return Promise.resolve({ release: () => Promise.resolve() });
  }

  waitForRelease(): Promise<boolean> {
    return Promise.resolve(true);
  }

  isHeld(): Promise<boolean> {
    return Promise.resolve(false);
  }

  held(): Promise<string[]> {
    return Promise.resolve([]);
  }
}
