import { randomUUID } from 'node:crypto';
import { coordinated } from './coordinated';
import type { Redis } from 'ioredis';
import { KeyLocks, type KeyLease } from './key-locks';

const PREFIX = 'pdf:lock:';
/** Per class/test folder: the keys locked in it, scored by when their lock runs out. */
const HELD_IN = 'pdf:locks-in:';
const POLL_MS = 100;
/** Takes the lock and lists it in its folder's set (stale entries of dead holders pruned on the way). */
const ACQUIRE = `
if not redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[3])
redis.call('zadd', KEYS[2], ARGV[4], ARGV[5])
redis.call('pexpire', KEYS[2], ARGV[2])
return 1`;
/** Deletes the lock only while it is still ours (compare-and-delete), and its folder entry. */
const RELEASE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('zrem', KEYS[2], ARGV[2])
return redis.call('del', KEYS[1])`;
/** Extends the lock only while it is still ours, and its folder entry with it. */
const RENEW = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
redis.call('pexpire', KEYS[2], ARGV[2])
return redis.call('pexpire', KEYS[1], ARGV[2])`;

/** The class/test folder a key or prefix lies in (`reports/C1/Test_5/`); undefined above that level. */
function folderOf(keyOrPrefix: string): string | undefined {
  const parts = keyOrPrefix.split('/');
  return parts.length > 3 ? `${parts.slice(0, 3).join('/')}/` : undefined;
}

/**
 * Per-key locks in Redis: `SET key token NX PX ttl`, renewed every third of the ttl while held, released by
 * compare-and-delete. A holder that dies stops renewing, so its lock expires after `ttlMs`. Each lock is also
 * listed in a sorted set per class/test folder (scored by its expiry), so "what is rendering in this class"
 * is one bounded read and "is this key rendering" one EXISTS: no SCAN over the keyspace.
 */
export class RedisKeyLocks extends KeyLocks {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {
    super();
  }

  tryAcquire(key: string): Promise<KeyLease | null> {
    return coordinated(async () => {
      const token = randomUUID();
      const name = PREFIX + key;
      const folder = HELD_IN + (folderOf(key) ?? '');
      const now = Date.now();
      const taken = await this.redis.eval(
        ACQUIRE,
        2,
        name,
        folder,
        token,
        this.ttlMs,
        now,
        now + this.ttlMs,
        key,
      );
      if (taken !== 1) return null;
      const renewal = setInterval(
        () => {
          this.redis
            .eval(RENEW, 2, name, folder, token, this.ttlMs, Date.now() + this.ttlMs, key)
            .catch(() => undefined);
        },
        Math.max(50, Math.floor(this.ttlMs / 3)),
      );
      renewal.unref();
      return {
        release: () =>
          coordinated(async () => {
            clearInterval(renewal);
            await this.redis.eval(RELEASE, 2, name, folder, token, key);
          }),
      };
    });
  }

  waitForRelease(key: string, timeoutMs: number): Promise<boolean> {
    return coordinated(async () => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await this.redis.exists(PREFIX + key)) === 0) return true;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      return false;
    });
  }

  isHeld(key: string): Promise<boolean> {
    return coordinated(async () => {
      return (await this.redis.exists(PREFIX + key)) === 1;
    });
  }

  held(prefix: string): Promise<string[]> {
    return coordinated(async () => {
      const folder = folderOf(prefix);
      if (folder !== undefined) {
        const keys = await this.redis.zrangebyscore(HELD_IN + folder, Date.now(), '+inf');
        return keys.filter((key) => key.startsWith(prefix));
      }
      // Above a class/test folder (no status asks that): the whole keyspace.
      const names: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${PREFIX}${prefix}*`, 'COUNT', 500);
        cursor = next;
        names.push(...batch.map((name) => name.slice(PREFIX.length)));
      } while (cursor !== '0');
      return names;
    });
  }
}
