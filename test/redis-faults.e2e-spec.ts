import { S3ReportStorage } from '../src/storage/s3.storage';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import {
  childPids,
  liveInGroupsAfterSettling,
  startRedis,
  startServiceProcess,
  type ServiceProcess,
  type TestRedis,
  until,
} from './support/processes';
import { s3Env, s3StorageSettings, startS3rver, type TestS3 } from './support/s3rver';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-redis-fault-suite-012';
const GRACE_MS = 5000;
const teacher = signToken({ role: 'teacher', teacher_id: 'T1', class_ids: ['CF1'] });

interface Status {
  state: string;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
}

describe('Redis faults (e2e: real Redis stopped and restarted, s3rver, Chromium, a service process)', () => {
  let redis: TestRedis;
  let s3: TestS3;
  let bucket: S3ReportStorage;
  let frontend: ReportFrontend;
  let service: ServiceProcess;
  let env: Record<string, string>;

  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${service.base}${path}`, {
      ...init,
      headers: init.token
        ? { Authorization: `Bearer ${init.token}` }
        : { 'X-Service-Auth': `Bearer ${INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
    });

  beforeAll(async () => {
    redis = await startRedis();
    s3 = await startS3rver();
    bucket = new S3ReportStorage(s3StorageSettings(s3));
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET, readyDelayMs: [300, 400] });
    env = {
      ...s3Env(s3),
      STORAGE_DRIVER: 's3',
      REDIS_URL: redis.url,
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
      JWT_SECRET: TEST_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      BATCH_STALL_MS: '5000',
      BATCH_RETRY_BACKOFF_MS: '200',
      RENDER_CONCURRENCY: '2',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    };
    service = await startServiceProcess(env);
  });

  afterAll(async () => {
    await service?.crash();
    bucket?.close();
    await frontend?.close();
    await s3?.stop();
    await redis?.stop();
  });

  it('should degrade while Redis is down and recover when it is back, losing no batch item', async () => {
    const stored = await call('/internal/trigger-generate-pdf', {
      method: 'POST',
      body: JSON.stringify({ reportType: 'student', classId: 'CF1', testId: '5', studentId: 'HIT1' }),
    });
    expect(stored.status).toBe(202);
    const created = await call('/internal/batches', {
      method: 'POST',
      body: JSON.stringify({ classId: 'CF1', testId: '6', studentIds: ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'] }),
    });
    expect(created.status).toBe(202);
    const { batchId } = (await created.json()) as { batchId: string };
    await new Promise((resolve) => setTimeout(resolve, 300));

    const logsBefore = service.logs.length;
    await redis.shutdown();

    // A stored report is still a HIT.
    const hit = await call('/generate-pdf?studentId=HIT1&testId=5&classId=CF1', { token: teacher });
    expect([hit.status, hit.headers.get('x-cache')]).toEqual([200, 'HIT']);
    // A miss is rendered and answered, but not stored: the purge log cannot be checked.
    const miss = await call('/generate-pdf?studentId=DOWN1&testId=5&classId=CF1', { token: teacher });
    expect([miss.status, miss.headers.get('x-cache')]).toEqual([200, 'BYPASS']);
    expect(
      Buffer.from(await miss.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    await expect(bucket.stat('reports/CF1/Test_5/students/DOWN1.pdf')).resolves.toBeNull();

    const refusals: Array<[string, Response]> = [
      [
        'status',
        await call('/report-status?reportType=student&classId=CF1&testId=5&studentId=DOWN2', {
          token: teacher,
        }),
      ],
      ['class status', await call('/report-status/class?classId=CF1&testId=5', { token: teacher })],
      [
        'trigger',
        await call('/internal/trigger-generate-pdf', {
          method: 'POST',
          body: JSON.stringify({ reportType: 'student', classId: 'CF1', testId: '5', studentId: 'DOWN3' }),
        }),
      ],
      [
        'create batch',
        await call('/internal/batches', {
          method: 'POST',
          body: JSON.stringify({ classId: 'CF1', testId: '7', studentIds: ['X'] }),
        }),
      ],
      ['batch status', await call(`/internal/batches/${batchId}`)],
      [
        'purge',
        await call('/internal/reports', { method: 'DELETE', body: JSON.stringify({ classId: 'CF9' }) }),
      ],
    ];
    for (const [name, answer] of refusals) {
      expect([name, answer.status, answer.headers.get('retry-after')]).toEqual([name, 503, '5']);
      const body = (await answer.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      if (name !== 'status' && name !== 'class status') {
        expect(body).toMatchObject({ success: false, reason: 'coordination_unavailable', retryable: true });
      }
    }
    const stillStored = await call('/report-status?reportType=student&classId=CF1&testId=5&studentId=HIT1', {
      token: teacher,
    });
    expect(stillStored.status).toBe(200);
    const ready = await call('/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('redis');

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await redis.restart();
    const back = Date.now();
    const readyAgain = await until(
      () => call('/health/ready'),
      (answer) => answer.status === 200,
      20000,
    );
    expect(readyAgain?.status).toBe(200);
    const statusAgain = await until(
      () => call(`/internal/batches/${batchId}`),
      (answer) => answer.status === 200,
      10000,
    );
    expect(statusAgain?.status).toBe(200);
    expect(Date.now() - back).toBeLessThan(20000);
    const done = await until(
      () => call(`/internal/batches/${batchId}`).then((answer) => answer.json() as Promise<Status>),
      (status) => status.pending === 0,
      60000,
    );
    expect(done).toMatchObject({ state: 'completed', total: 6, succeeded: 6, failed: 0, pending: 0 });

    const outage = service.logs.slice(logsBefore);
    expect(outage.filter((line) => /unhandled error event/i.test(line))).toEqual([]);
    const aboutRedis = outage.filter((line) => /redis/i.test(line) && !/"url"/.test(line));
    // At most four lines about Redis over the whole outage (shown whole when there are more).
    expect(aboutRedis.slice(4)).toEqual([]);
  });

  it('should exit 0 within the grace period on SIGTERM while Redis is down, leaving no Chromium', async () => {
    await redis.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const browsers = childPids(service.pid);
    expect(browsers.length).toBeGreaterThan(0);
    const started = Date.now();
    expect(await service.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(GRACE_MS);
    expect(await liveInGroupsAfterSettling(browsers)).toEqual([]);
    await redis.restart();
  });
});
