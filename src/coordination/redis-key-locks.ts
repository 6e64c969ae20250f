import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { KeyLocks, type KeyLease } from './key-locks';

const PREFIX = 'pdf:lock:';
const POLL_MS = 100;
/** Deletes the lock only while it is still ours (compare-and-delete). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends the lock only while it is still ours. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Per-key locks in Redis: `SET key token NX PX ttl`, renewed every third of the ttl while held, released by
 * compare-and-delete. A holder that dies stops renewing, so its lock expires after `ttlMs`.
 */
export class RedisKeyLocks extends KeyLocks {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {
    super();
  }

  async tryAcquire(key: string): Promise<KeyLease | null> {
    const token = randomUUID();
    const name = PREFIX + key;
    const taken = await this.redis.set(name, token, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') return null;
    const renewal = setInterval(
      () => {
        this.redis.eval(RENEW, 1, name, token, String(this.ttlMs)).catch(() => undefined);
      },
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await this.redis.eval(RELEASE, 1, name, token);
      },
    };
  }

  async waitForRelease(key: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.redis.exists(PREFIX + key)) === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return false;
  }

  async held(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${PREFIX}${prefix}*`, 'COUNT', 500);
      cursor = next;
      names.push(...batch.map((name) => name.slice(PREFIX.length)));
    } while (cursor !== '0');
    return names;
  }
}
