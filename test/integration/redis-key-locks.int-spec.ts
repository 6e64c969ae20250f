import { Redis } from 'ioredis';
import { RedisKeyLocks } from '../../src/coordination/redis-key-locks';
import { startRedis, type TestRedis } from '../support/processes';

const KEY = 'reports/C1/Test_5/students/S1.pdf';
const TEACHER = 'reports/C1/Test_5/teacher_T1.pdf';

describe(`${RedisKeyLocks.name} (real redis-server)`, () => {
  let redis: TestRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });

  afterAll(async () => {
    await client.quit();
    await redis.stop();
  });

  const commandCalls = async (command: string): Promise<number> => {
    const stats = await client.info('commandstats');
    const line = stats.split('\r\n').find((candidate) => candidate.startsWith(`cmdstat_${command}:`));
    return line ? Number(/calls=(\d+)/.exec(line)?.[1] ?? 0) : 0;
  };

  it('should take a key once, name it held, and free it on release', async () => {
    const sut = new RedisKeyLocks(client, 30_000);
    const lease = await sut.tryAcquire(KEY);
    expect(lease).not.toBeNull();
    await expect(sut.tryAcquire(KEY)).resolves.toBeNull();
    await expect(sut.isHeld(KEY)).resolves.toBe(true);
    await expect(sut.held('reports/C1/Test_5/')).resolves.toEqual([KEY]);
    await lease!.release();
    await expect(sut.isHeld(KEY)).resolves.toBe(false);
    await expect(sut.held('reports/C1/Test_5/')).resolves.toEqual([]);
  });

  it('should forget a lock whose holder stopped renewing it', async () => {
    const holder = new RedisKeyLocks(client, 200);
    const lease = await holder.tryAcquire(TEACHER);
    expect(lease).not.toBeNull();
    // A holder that dies stops its renewals; the lock and its folder entry run out by themselves.
    await client.eval(`return redis.call('pexpire', KEYS[1], 1)`, 1, `pdf:lock:${TEACHER}`);
    await client.zadd(`pdf:locks-in:reports/C1/Test_5/`, Date.now() - 1, TEACHER);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const other = new RedisKeyLocks(client, 30_000);
    await expect(other.held('reports/C1/Test_5/')).resolves.toEqual([]);
    const taken = await other.tryAcquire(TEACHER);
    expect(taken).not.toBeNull();
    await taken!.release();
    await lease!.release();
  });

  it('should answer what is rendering with no SCAN, whatever else the keyspace holds', async () => {
    for (let batch = 0; batch < 40; batch += 1) {
      const pairs = Array.from({ length: 5000 }, (_, index) => [`unrelated:${batch}:${index}`, 'x']).flat();
      await client.mset(...pairs);
    }
    expect(await client.dbsize()).toBeGreaterThanOrEqual(200_000);
    const sut = new RedisKeyLocks(client, 30_000);
    const lease = await sut.tryAcquire(KEY);
    await client.config('RESETSTAT');
    await expect(sut.isHeld(KEY)).resolves.toBe(true);
    await expect(sut.held('reports/C1/Test_5/')).resolves.toEqual([KEY]);
    await expect(sut.held('reports/C1/Test_5/students/')).resolves.toEqual([KEY]);
    expect(await commandCalls('scan')).toBe(0);
    expect(await commandCalls('exists')).toBe(1);
    expect(await commandCalls('zrangebyscore')).toBe(2);
    await lease!.release();
  });
});
