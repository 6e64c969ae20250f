import { Redis } from 'ioredis';
import { MemoryBatchStore } from '../../src/batches/memory-batch.store';
import { RedisBatchStore } from '../../src/batches/redis-batch.store';
import { batchStoreContract } from '../support/batch-store-contract';
import { startRedis, type TestRedis } from '../support/processes';

const RETENTION_MS = 3600_000;

describe(MemoryBatchStore.name, () => {
  const sut = new MemoryBatchStore(RETENTION_MS);

  describe('contract', () => {
    batchStoreContract(() => sut);
  });
});

describe(`${RedisBatchStore.name} (real redis-server)`, () => {
  let redis: TestRedis;
  let client: Redis;
  let sut: RedisBatchStore;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    sut = new RedisBatchStore(client, RETENTION_MS);
  });

  afterAll(async () => {
    await client.quit();
    await redis.stop();
  });

  describe('contract', () => {
    batchStoreContract(() => sut);
  });
});
