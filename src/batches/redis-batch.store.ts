import type { Redis } from 'ioredis';
import { coordinated } from '../coordination';
import type { BatchItem, BatchRecord, BatchState, CallbackState, StoredBatch } from './batch.model';
import { BatchStore, type CreateOutcome, type FinishOutcome } from './batch.store';

const BATCH_PREFIX = 'pdf:batch:';
const BATCH = (id: string) => `${BATCH_PREFIX}${id}`;
const ITEMS = (id: string) => `pdf:batch:${id}:items`;
const IDEMPOTENCY = (key: string) => `pdf:batch-idempotency:${key}`;
/** Report key → how many batch items for it are not finished yet. */
const PENDING_KEYS = 'pdf:batch-pending-keys';
/** Owed callbacks: batchId scored by the time its lease runs out. */
const OWED_CALLBACKS = 'pdf:batch-callbacks-owed';

/** Takes due callbacks and leases them in one step; one whose batch has expired is owed no more. */
const CLAIM_CALLBACKS = `
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(due) do
  if redis.call('exists', ARGV[4] .. id) == 1 then
    redis.call('zadd', KEYS[1], ARGV[2], id)
    table.insert(claimed, id)
  else
    redis.call('zrem', KEYS[1], id)
  end
end
return claimed`;

/** Item transitions run inside Redis (Lua), so replicas never finish an item or a batch twice. */
const START_ITEM = `
local state = redis.call('hget', KEYS[1], 'state')
local raw = redis.call('hget', KEYS[2], ARGV[1])
if not state or not raw then return {0, 0} end
local item = cjson.decode(raw)
if state == 'cancelled' or item.state == 'succeeded' or item.state == 'failed' or item.state == 'cancelled' then
  return {0, item.attempts}
end
item.state = 'active'
item.attempts = item.attempts + 1
redis.call('hset', KEYS[2], ARGV[1], cjson.encode(item))
if state == 'queued' then redis.call('hset', KEYS[1], 'state', 'running') end
return {1, item.attempts}`;

const RETRY_ITEM = `
local raw = redis.call('hget', KEYS[2], ARGV[1])
if not raw then return 0 end
local item = cjson.decode(raw)
if item.state ~= 'active' then return 0 end
item.state = 'pending'
item.error = ARGV[2]
redis.call('hset', KEYS[2], ARGV[1], cjson.encode(item))
return 1`;

const FINISH_ITEM = `
local raw = redis.call('hget', KEYS[2], ARGV[1])
if not raw then return 0 end
local item = cjson.decode(raw)
if item.state == 'succeeded' or item.state == 'failed' or item.state == 'cancelled' then return 0 end
item.state = ARGV[2]
if ARGV[3] ~= '' then item.error = ARGV[3] else item.error = nil end
redis.call('hset', KEYS[2], ARGV[1], cjson.encode(item))
if redis.call('hincrby', KEYS[3], item.s3Key, -1) <= 0 then redis.call('hdel', KEYS[3], item.s3Key) end
local remaining = redis.call('hincrby', KEYS[1], 'remaining', -1)
if remaining > 0 then return 0 end
if redis.call('hget', KEYS[1], 'state') ~= 'cancelled' then
  redis.call('hset', KEYS[1], 'state', 'completed', 'finishedAt', ARGV[4])
end
return 1`;

const CANCEL = `
local state = redis.call('hget', KEYS[1], 'state')
if not state then return -1 end
if state == 'completed' then return -2 end
if state == 'cancelled' then return 0 end
redis.call('hset', KEYS[1], 'state', 'cancelled', 'finishedAt', ARGV[1])
local all = redis.call('hgetall', KEYS[2])
local cancelled = 0
for i = 1, #all, 2 do
  local item = cjson.decode(all[i + 1])
  if item.state == 'pending' then
    item.state = 'cancelled'
    redis.call('hset', KEYS[2], all[i], cjson.encode(item))
    if redis.call('hincrby', KEYS[3], item.s3Key, -1) <= 0 then redis.call('hdel', KEYS[3], item.s3Key) end
    cancelled = cancelled + 1
  end
end
local remaining = redis.call('hincrby', KEYS[1], 'remaining', -cancelled)
if remaining == 0 then return 1 end
return 0`;

/** Batch state in Redis (BATCH_QUEUE=redis): every replica reads and updates the same batches. */
export class RedisBatchStore extends BatchStore {
  readonly durable = true;

  constructor(
    private readonly redis: Redis,
    private readonly retentionMs: number,
  ) {
    super();
  }

  create(
    record: BatchRecord,
    items: BatchItem[],
    idempotency: { key: string; fingerprint: string } | undefined,
  ): Promise<CreateOutcome> {
    return coordinated(async () => {
      if (idempotency) {
        const claimed = await this.redis.set(
          IDEMPOTENCY(idempotency.key),
          `${idempotency.fingerprint} ${record.batchId}`,
          'PX',
          this.retentionMs,
          'NX',
        );
        if (claimed !== 'OK') {
          const earlier = (await this.redis.get(IDEMPOTENCY(idempotency.key))) ?? '';
          const [fingerprint, batchId] = earlier.split(' ');
          return fingerprint === idempotency.fingerprint ? { batchId, created: false } : 'conflict';
        }
      }
      // Items may arrive already final (stored reports of a `force: false` batch): only the others remain.
      const pending = items.filter((item) => item.state === 'pending');
      const finished = pending.length === 0;
      const transaction = this.redis.multi();
      transaction.hset(BATCH(record.batchId), {
        record: JSON.stringify(record),
        state: finished ? 'completed' : 'queued',
        finishedAt: finished ? record.createdAt : '',
        remaining: pending.length,
        callbackState: record.spec.callbackUrl ? 'pending' : 'none',
        callbackAttempts: 0,
      });
      for (const item of pending) transaction.hincrby(PENDING_KEYS, item.s3Key, 1);
      if (items.length > 0) {
        transaction.hset(
          ITEMS(record.batchId),
          Object.fromEntries(items.map((item, index) => [index, JSON.stringify(item)])),
        );
        transaction.pexpire(ITEMS(record.batchId), this.retentionMs);
      }
      transaction.pexpire(BATCH(record.batchId), this.retentionMs);
      await transaction.exec();
      return { batchId: record.batchId, created: true };
    });
  }

  get(batchId: string): Promise<StoredBatch | null> {
    return coordinated(async () => {
      const [batch, items] = await Promise.all([
        this.redis.hgetall(BATCH(batchId)),
        this.redis.hgetall(ITEMS(batchId)),
      ]);
      if (!batch.record) return null;
      const ordered = Object.entries(items)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, raw]) => JSON.parse(raw) as BatchItem);
      return {
        record: JSON.parse(batch.record) as BatchRecord,
        state: batch.state as BatchState,
        finishedAt: batch.finishedAt === '' ? null : batch.finishedAt,
        items: ordered,
        callback: { state: batch.callbackState as CallbackState, attempts: Number(batch.callbackAttempts) },
      };
    });
  }

  item(batchId: string, index: number): Promise<{ record: BatchRecord; item: BatchItem } | null> {
    return coordinated(async () => {
      const [record, item] = await Promise.all([
        this.redis.hget(BATCH(batchId), 'record'),
        this.redis.hget(ITEMS(batchId), String(index)),
      ]);
      if (record === null || item === null) return null;
      return { record: JSON.parse(record) as BatchRecord, item: JSON.parse(item) as BatchItem };
    });
  }

  startItem(batchId: string, index: number): Promise<{ run: boolean; attempts: number }> {
    return coordinated(async () => {
      const [run, attempts] = (await this.redis.eval(
        START_ITEM,
        2,
        BATCH(batchId),
        ITEMS(batchId),
        index,
      )) as [number, number];
      return { run: run === 1, attempts };
    });
  }

  retryItem(batchId: string, index: number, error: string): Promise<void> {
    return coordinated(async () => {
      await this.redis.eval(RETRY_ITEM, 2, BATCH(batchId), ITEMS(batchId), index, error);
    });
  }

  finishItem(
    batchId: string,
    index: number,
    state: 'succeeded' | 'failed',
    error: string | undefined,
  ): Promise<FinishOutcome> {
    return coordinated(async () => {
      const done = await this.redis.eval(
        FINISH_ITEM,
        3,
        BATCH(batchId),
        ITEMS(batchId),
        PENDING_KEYS,
        index,
        state,
        error ?? '',
        new Date().toISOString(),
      );
      return { batchFinished: done === 1 };
    });
  }

  cancel(batchId: string): Promise<(FinishOutcome & { outcome: 'cancelled' }) | 'completed' | null> {
    return coordinated(async () => {
      const result = await this.redis.eval(
        CANCEL,
        3,
        BATCH(batchId),
        ITEMS(batchId),
        PENDING_KEYS,
        new Date().toISOString(),
      );
      if (result === -1) return null;
      if (result === -2) return 'completed';
      return { outcome: 'cancelled', batchFinished: result === 1 };
    });
  }

  isPending(key: string): Promise<boolean> {
    return coordinated(async () => {
      return Number((await this.redis.hget(PENDING_KEYS, key)) ?? 0) > 0;
    });
  }

  pendingKeys(prefix: string): Promise<Set<string>> {
    return coordinated(async () => {
      const keys = new Set<string>();
      let cursor = '0';
      do {
        const [next, entries] = await this.redis.hscan(
          PENDING_KEYS,
          cursor,
          'MATCH',
          `${prefix}*`,
          'COUNT',
          1000,
        );
        cursor = next;
        for (let index = 0; index < entries.length; index += 2) {
          if (Number(entries[index + 1]) > 0) keys.add(entries[index]);
        }
      } while (cursor !== '0');
      return keys;
    });
  }

  setCallback(batchId: string, state: CallbackState, attempts: number): Promise<void> {
    return coordinated(async () => {
      const transaction = this.redis.multi();
      transaction.hset(BATCH(batchId), { callbackState: state, callbackAttempts: attempts });
      if (state === 'delivered' || state === 'failed') transaction.zrem(OWED_CALLBACKS, batchId);
      await transaction.exec();
    });
  }

  oweCallback(batchId: string, leaseUntil: number): Promise<void> {
    return coordinated(async () => {
      await this.redis.zadd(OWED_CALLBACKS, leaseUntil, batchId);
    });
  }

  claimDueCallbacks(now: number, leaseUntil: number, limit: number): Promise<string[]> {
    return coordinated(async () => {
      return (await this.redis.eval(
        CLAIM_CALLBACKS,
        1,
        OWED_CALLBACKS,
        now,
        leaseUntil,
        limit,
        BATCH_PREFIX,
      )) as string[];
    });
  }
}
