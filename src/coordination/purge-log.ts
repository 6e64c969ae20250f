import type { Redis } from 'ioredis';
import { coordinated } from './coordinated';

/**
 * Which keys were purged after a render started, so that render does not write a purged report back. A
 * purge bumps a counter (the epoch) and remembers it for its scope (a key, or a prefix ending in "/"); a
 * render notes the epoch when it starts and asks before and after it stores. Counters, not clocks: replicas'
 * clocks need not agree.
 */
export abstract class PurgeLog {
  abstract epoch(): Promise<number>;
  abstract record(scope: string): Promise<void>;
  /** Was `key`, or a prefix holding it, purged after `epoch`? */
  abstract purgedAfter(key: string, epoch: number): Promise<boolean>;
}

/** Every scope that can hold `key`: each folder prefix and the key itself. */
export function scopesOf(key: string): string[] {
  const parts = key.split('/');
  return [...parts.slice(0, -1).map((_, index) => `${parts.slice(0, index + 1).join('/')}/`), key];
}

export class LocalPurgeLog extends PurgeLog {
  private counter = 0;
  private readonly scopes = new Map<string, number>();

  epoch(): Promise<number> {
    return Promise.resolve(this.counter);
  }

  record(scope: string): Promise<void> {
    this.counter += 1;
    this.scopes.set(scope, this.counter);
    return Promise.resolve();
  }

  purgedAfter(key: string, epoch: number): Promise<boolean> {
    return Promise.resolve(scopesOf(key).some((scope) => (this.scopes.get(scope) ?? 0) > epoch));
  }
}

const EPOCH = 'pdf:purge-epoch';
const SCOPES = 'pdf:purge-scopes';
/** The epoch and the scope's entry move together. */
const RECORD = `local epoch = redis.call('incr', KEYS[1]) redis.call('hset', KEYS[2], ARGV[1], epoch) return epoch`;

/** With REDIS_URL: one log for every replica, so a purge on one stops write-backs on all. */
export class RedisPurgeLog extends PurgeLog {
  constructor(private readonly redis: Redis) {
    super();
  }

  epoch(): Promise<number> {
    return coordinated(async () => Number((await this.redis.get(EPOCH)) ?? 0));
  }

  record(scope: string): Promise<void> {
    return coordinated(async () => {
      await this.redis.eval(RECORD, 2, EPOCH, SCOPES, scope);
    });
  }

  purgedAfter(key: string, epoch: number): Promise<boolean> {
    return coordinated(async () => {
      const epochs = await this.redis.hmget(SCOPES, ...scopesOf(key));
      return epochs.some((value) => value !== null && Number(value) > epoch);
    });
  }
}
