import { Redis } from 'ioredis';
import { signCallback } from '../src/batches';
import { startCallbackReceiver, type CallbackReceiver } from './support/callback-receiver';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { startRedis, startServiceProcess, type ServiceProcess, type TestRedis } from './support/processes';
import { S3ReportStorage } from '../src/storage/s3.storage';
import { s3Env, s3StorageSettings, startS3rver, type TestS3 } from './support/s3rver';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-redis-batch-suite-0123';
const CALLBACK_SECRET = 'callback-secret-for-the-redis-batch-suite';

interface Status {
  state: string;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  items: Array<{ state: string; studentId?: string; attempts: number; error?: string }>;
  callback: { state: string; attempts: number };
}

describe('batches on Redis, two replicas (e2e: real Redis, s3rver, Chromium, service processes)', () => {
  let redis: TestRedis;
  let s3: TestS3;
  let frontend: ReportFrontend;
  let receiver: CallbackReceiver;
  let replicas: ServiceProcess[];
  let replicaEnv: Record<string, string>;
  let bucket: S3ReportStorage;

  const internal = (replica: ServiceProcess, path: string, init: RequestInit = {}) =>
    fetch(`${replica.base}${path}`, {
      ...init,
      headers: {
        'X-Service-Auth': `Bearer ${INTERNAL_TOKEN}`,
        'Content-Type': 'application/json',
        ...init.headers,
      },
    });
  const createBatch = async (replica: ServiceProcess, body: Record<string, unknown>) => {
    const answer = await internal(replica, '/internal/batches', {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(202);
    return ((await answer.json()) as { batchId: string }).batchId;
  };
  const statusOn = async (replica: ServiceProcess, batchId: string) =>
    (await (await internal(replica, `/internal/batches/${batchId}`)).json()) as Status;
  const untilDone = async (replica: ServiceProcess, batchId: string, timeoutMs = 90000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await statusOn(replica, batchId);
      if (status.pending === 0 || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const students = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(2, '0')}`);

  beforeAll(async () => {
    redis = await startRedis();
    s3 = await startS3rver();
    bucket = new S3ReportStorage(s3StorageSettings(s3));
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET, readyDelayMs: [150, 250] });
    receiver = await startCallbackReceiver();
    const env = {
      ...s3Env(s3),
      STORAGE_DRIVER: 's3',
      REDIS_URL: redis.url,
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
      JWT_SECRET: TEST_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      CALLBACK_ORIGINS: receiver.origin,
      CALLBACK_SECRET,
      CALLBACK_BACKOFF_MS: '50',
      BATCH_STALL_MS: '5000',
      BATCH_RETRY_BACKOFF_MS: '100',
      RENDER_CONCURRENCY: '2',
      RENDER_TIMEOUT_MS: '8000',
      SHUTDOWN_GRACE_MS: '3000',
    };
    replicaEnv = env;
    replicas = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.crash();
    await receiver?.close();
    await frontend?.close();
    bucket?.close();
    await s3?.stop();
    await redis?.stop();
  });

  beforeEach(() => {
    frontend.resetCounters();
    receiver.deliveries.length = 0;
    receiver.status = 200;
  });

  it('should share 40 items between both replicas, render each key once, answer downloads first, and call back signed', async () => {
    const [first, second] = replicas;
    const before = replicas.map((replica) => replica.count('Starting PDF generation'));
    const ids = students('R', 40);
    const batchId = await createBatch(first, {
      classId: 'CR1',
      testId: '7',
      studentIds: ids,
      callbackUrl: `${receiver.origin}/callback`,
    });
    // A download while the batch runs goes before the batch's items.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const download = await fetch(`${second.base}/generate-pdf?studentId=DL1&testId=7&classId=CR1`, {
      headers: { Authorization: `Bearer ${signToken({ role: 'admin', user_id: 'ADMIN' })}` },
    });
    expect(download.status).toBe(200);
    expect((await statusOn(second, batchId)).pending).toBeGreaterThan(0);

    const final = await untilDone(second, batchId);
    expect(final).toMatchObject({ state: 'completed', total: 40, succeeded: 40, failed: 0, pending: 0 });
    for (const id of ids) expect([id, frontend.apiCalls(id)]).toEqual([id, 1]);
    const rendered = replicas.map(
      (replica, index) => replica.count('Starting PDF generation') - before[index],
    );
    expect(rendered[0]).toBeGreaterThan(0);
    expect(rendered[1]).toBeGreaterThan(0);
    expect(rendered[0] + rendered[1]).toBe(41);

    const deadline = Date.now() + 10000;
    while (receiver.deliveries.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(receiver.deliveries).toHaveLength(1);
    const [delivery] = receiver.deliveries;
    const timestamp = String(delivery.headers['x-pdf-timestamp']);
    expect(delivery.headers['x-pdf-signature']).toBe(signCallback(CALLBACK_SECRET, timestamp, delivery.body));
    expect(JSON.parse(delivery.body)).toMatchObject({
      batchId,
      state: 'completed',
      succeeded: 40,
      failures: [],
    });
  });

  it('should hold a purge on one replica against items the other queued before it', async () => {
    const [first, second] = replicas;
    const before = frontend.apiCalls('PR11');
    const batchId = await createBatch(first, {
      classId: 'CPURGE',
      testId: '7',
      studentIds: students('PR', 12),
    });
    const purged = await internal(second, '/internal/reports', {
      method: 'DELETE',
      body: JSON.stringify({ classId: 'CPURGE' }),
    });
    expect(purged.status).toBe(200);
    const final = await untilDone(second, batchId);
    expect(final.state).toBe('completed');
    const failed = final.items.filter((item) => item.state === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(8);
    for (const item of failed) expect(item).toMatchObject({ error: 'purged' });
    expect(await bucket.list('reports/CPURGE/')).toEqual([]);
    // The last students were never rendered at all: the purge was seen before their turn.
    expect(frontend.apiCalls('PR11') - before).toBe(0);
  });

  it('should answer report status with no SCAN, whatever else Redis holds', async () => {
    const [first] = replicas;
    const client = new Redis(redis.url);
    try {
      for (let chunk = 0; chunk < 40; chunk += 1) {
        await client.mset(
          ...Array.from({ length: 5000 }, (_, index) => [`unrelated:${chunk}:${index}`, 'x']).flat(),
        );
      }
      const teacher = signToken({ role: 'teacher', teacher_id: 'T1', class_ids: ['CSTAT'] });
      const get = (path: string) =>
        fetch(`${first.base}${path}`, { headers: { Authorization: `Bearer ${teacher}` } });
      await client.config('RESETSTAT');
      const one = await get('/report-status?reportType=student&classId=CSTAT&testId=5&studentId=S1');
      expect([one.status, ((await one.json()) as { status: string }).status]).toEqual([200, 'missing']);
      const whole = await get('/report-status/class?classId=CSTAT&testId=5');
      expect(whole.status).toBe(200);
      expect(await whole.json()).toEqual({
        classId: 'CSTAT',
        testId: 'Test_5',
        students: { ready: [], generating: [] },
        teachers: { ready: [] },
        overall: 'missing',
      });
      const stats = await client.info('commandstats');
      expect(stats).not.toMatch(/cmdstat_scan:/);
    } finally {
      for (let chunk = 0; chunk < 40; chunk += 1) {
        await client.del(...Array.from({ length: 5000 }, (_, index) => `unrelated:${chunk}:${index}`));
      }
      await client.quit();
    }
  });

  it('should include Redis in readiness and the backlog in /metrics', async () => {
    const ready = (await (await fetch(`${replicas[0].base}/health/ready`)).json()) as {
      info: Record<string, { status: string }>;
    };
    expect(ready.info.redis).toEqual({ status: 'up' });
    const metrics = await (await fetch(`${replicas[0].base}/metrics`)).text();
    expect(metrics).toMatch(/^pdf_batch_waiting \d+$/m);
    expect(metrics).toMatch(/^pdf_batch_items\{state="succeeded"\} \d+$/m);
  });

  it('should give up a callback whose receiver answers 500 after five attempts, the batch unchanged', async () => {
    receiver.status = 500;
    const batchId = await createBatch(replicas[0], {
      classId: 'CR2',
      testId: '1',
      studentIds: ['CB1'],
      callbackUrl: `${receiver.origin}/callback`,
    });
    const done = await untilDone(replicas[1], batchId);
    expect(done.state).toBe('completed');
    const deadline = Date.now() + 10000;
    let status = done;
    while (status.callback.state !== 'failed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await statusOn(replicas[1], batchId);
    }
    expect(status.callback).toEqual({ state: 'failed', attempts: 5 });
    expect(status).toMatchObject({ state: 'completed', succeeded: 1 });
    expect(receiver.deliveries).toHaveLength(5);
  });

  it('should finish a batch after kill -9 of one replica mid-batch, rendering again only what it held', async () => {
    const [doomed, survivor] = replicas;
    const ids = students('K', 30);
    const batchId = await createBatch(doomed, { classId: 'CR3', testId: '2', studentIds: ids });
    const deadline = Date.now() + 20000;
    while (doomed.count('CR3') === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    await doomed.crash();
    const final = await untilDone(survivor, batchId);
    expect(final).toMatchObject({ state: 'completed', total: 30, succeeded: 30, pending: 0 });
    expect(final.items.filter((item) => item.state === 'active')).toEqual([]);
    const twice = ids.filter((id) => frontend.apiCalls(id) > 1);
    // Only what the killed replica was rendering (RENDER_CONCURRENCY = 2) may have been rendered again.
    expect(twice.length).toBeLessThanOrEqual(2);
    for (const id of ids) expect(frontend.apiCalls(id)).toBeGreaterThanOrEqual(1);
  });

  it('should let a replica stopped with SIGTERM finish its active items, exit 0, and leave the rest to the others', async () => {
    const survivor = replicas[1];
    const leaving = await startServiceProcess(replicaEnv);
    replicas.push(leaving);
    const ids = students('G', 20);
    const batchId = await createBatch(leaving, { classId: 'CR4', testId: '3', studentIds: ids });
    const deadline = Date.now() + 20000;
    while (leaving.count('CR4') === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const code = await leaving.stop();
    if (code !== 0) console.log(leaving.logs.slice(-12).join('\n'));
    expect(code).toBe(0);
    const final = await untilDone(survivor, batchId);
    expect(final).toMatchObject({ state: 'completed', total: 20, succeeded: 20, pending: 0 });
    // Items finished before the exit were not rendered again.
    expect(ids.filter((id) => frontend.apiCalls(id) > 1)).toEqual([]);
  });
});
