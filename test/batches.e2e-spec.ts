import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { signCallback } from '../src/batches';
import { ReportStorage } from '../src/storage';
import { startCallbackReceiver, type CallbackReceiver } from './support/callback-receiver';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { pdfText } from './support/pdf-text';
import { startFsTestApp } from './support/test-app';
import { TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-batch-suite-0123456789';
const CALLBACK_SECRET = 'callback-secret-for-the-batch-suite';

interface BatchBody {
  state: string;
  succeeded: number;
  failed: number;
  items: Array<{ state: string; error?: string; attempts: number }>;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('batches (e2e, memory driver: real Chromium, fs storage)', () => {
  let frontend: ReportFrontend;
  let receiver: CallbackReceiver;
  let app: INestApplication;
  let removeDir: () => Promise<void>;
  let storage: ReportStorage;

  const http = () => request(app.getHttpServer());
  const internal = <T extends request.Test>(call: T) =>
    call.set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`);
  const create = (body: Record<string, unknown>, key?: string) => {
    const call = internal(http().post('/internal/batches')).send(body);
    return key === undefined ? call : call.set('Idempotency-Key', key);
  };
  const status = (batchId: string) => internal(http().get(`/internal/batches/${batchId}`));

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    receiver = await startCallbackReceiver();
    ({ app, removeDir } = await startFsTestApp(frontend.origin, {
      JWT_SECRET: TEST_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      CALLBACK_ORIGINS: receiver.origin,
      CALLBACK_SECRET,
      CALLBACK_BACKOFF_MS: '50',
      BATCH_RETRY_BACKOFF_MS: '50',
      RENDER_CONCURRENCY: '2',
      RENDER_TIMEOUT_MS: '3000',
    }));
    storage = app.get(ReportStorage);
  });

  afterAll(async () => {
    await app.close();
    await frontend.close();
    await receiver.close();
    await removeDir();
  });

  it('should render 10 students, a teacher and the overall report, then call back signed', async () => {
    receiver.deliveries.length = 0;
    const studentIds = Array.from({ length: 10 }, (_, index) => `BS${index}`);
    const accepted = await create({
      classId: 'CB1',
      testId: '5',
      studentIds,
      teacherIds: ['BT1'],
      includeOverall: true,
      callbackUrl: `${receiver.origin}/pdf-batches/callback`,
    }).expect(202);
    expect(accepted.body).toEqual({
      success: true,
      batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      state: 'queued',
      total: 12,
      statusUrl: `/internal/batches/${accepted.body.batchId}`,
    });
    const batchId = accepted.body.batchId as string;
    const seen: Array<{ succeeded: number; failed: number; pending: number }> = [];
    const final = await until(
      async () => {
        const answer = (await status(batchId).expect(200)).body as Record<string, number | string>;
        seen.push({
          succeeded: answer.succeeded as number,
          failed: answer.failed as number,
          pending: answer.pending as number,
        });
        return answer;
      },
      (answer) => answer.state === 'completed',
    );
    expect(final).toMatchObject({ state: 'completed', total: 12, succeeded: 12, failed: 0, pending: 0 });
    expect(final.finishedAt).toEqual(expect.any(String));
    for (let index = 1; index < seen.length; index += 1) {
      expect(seen[index].succeeded).toBeGreaterThanOrEqual(seen[index - 1].succeeded);
      expect(seen[index].succeeded + seen[index].failed + seen[index].pending).toBe(12);
    }
    const keys = [
      ...studentIds.map((id) => `reports/CB1/Test_5/students/${id}.pdf`),
      'reports/CB1/Test_5/teacher_BT1.pdf',
      'reports/CB1/Test_5/overall.pdf',
    ];
    expect((final as unknown as { items: Array<{ s3Key: string }> }).items.map((item) => item.s3Key)).toEqual(
      keys,
    );
    for (const [index, key] of keys.entries()) {
      const chunks = await (await storage.read(key)).toArray();
      const text = await pdfText(Buffer.concat(chunks as Buffer[]));
      const subject = index < 10 ? studentIds[index] : index === 10 ? 'BT1' : 'overall';
      expect(text).toContain(`Report for ${subject}`);
    }
    const delivery = await until(
      () => Promise.resolve(receiver.deliveries[0]),
      (value) => value !== undefined,
      5000,
    );
    const timestamp = String(delivery.headers['x-pdf-timestamp']);
    expect(delivery.headers['x-pdf-signature']).toBe(signCallback(CALLBACK_SECRET, timestamp, delivery.body));
    expect(JSON.parse(delivery.body)).toMatchObject({
      batchId,
      state: 'completed',
      succeeded: 12,
      failures: [],
    });
    expect(JSON.parse(delivery.body)).not.toHaveProperty('items');
  });

  it('should fail a permanent error at once and keep the batch going', async () => {
    const accepted = await create({ classId: 'CB2', testId: '1', studentIds: ['OK1', 'FAIL_1'] }).expect(202);
    const final = await until(
      async () => (await status(accepted.body.batchId as string)).body as Record<string, unknown>,
      (answer) => answer.state === 'completed',
    );
    expect(final).toMatchObject({ succeeded: 1, failed: 1, pending: 0 });
    const failed = (final.items as Array<Record<string, unknown>>).find(
      (item) => item.studentId === 'FAIL_1',
    );
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, error: 'render failed (page_error)' });
    expect(frontend.apiCalls('FAIL_1')).toBe(1);
  });

  it('should answer the same Idempotency-Key and body with the same batch, another body with 409', async () => {
    const body = { classId: 'CB3', testId: '1', studentIds: ['I1'] };
    const first = await create(body, 'key-1').expect(202);
    const again = await create(body, 'key-1').expect(200);
    expect(again.body.batchId).toBe(first.body.batchId);
    const other = await create({ ...body, studentIds: ['I2'] }, 'key-1').expect(409);
    expect(other.body).toMatchObject({ success: false, statusCode: 409, error: 'Conflict' });
  });

  it('should cancel pending items, let active ones finish, and refuse to cancel a completed batch', async () => {
    const studentIds = Array.from({ length: 8 }, (_, index) => `CX${index}`);
    const accepted = await create({ classId: 'CB4', testId: '1', studentIds }).expect(202);
    const batchId = accepted.body.batchId as string;
    const cancelled = await internal(http().delete(`/internal/batches/${batchId}`)).expect(200);
    expect(cancelled.body.state).toBe('cancelled');
    const items = cancelled.body.items as Array<{ state: string }>;
    expect(items.filter((item) => item.state === 'cancelled').length).toBeGreaterThanOrEqual(5);
    const settled = await until(
      async () => (await status(batchId)).body as { pending: number; state: string },
      (answer) => answer.pending === 0,
    );
    expect(settled.state).toBe('cancelled');
    const done = await create({ classId: 'CB4', testId: '2', studentIds: ['D1'] }).expect(202);
    await until(
      async () => (await status(done.body.batchId as string)).body as { state: string },
      (answer) => answer.state === 'completed',
    );
    const refused = await internal(http().delete(`/internal/batches/${done.body.batchId as string}`)).expect(
      409,
    );
    expect(refused.body).toMatchObject({ statusCode: 409, message: 'the batch is already completed' });
  });

  it('should answer 404 for an unknown batch', async () => {
    await status('00000000-0000-4000-8000-000000000000').expect(404);
    await status('not-a-batch-id').expect(404);
  });

  const badBodies: Array<[string, Record<string, unknown>, string]> = [
    ['no report at all', { studentIds: [] }, 'studentIds'],
    ['a repeated student', { studentIds: ['A', 'A'] }, 'studentIds'],
    ['a bad student id', { studentIds: ['ok', '../x'] }, 'studentIds[1]'],
    ['a bad teacher id', { studentIds: ['A'], teacherIds: ['T/1'] }, 'teacherIds[0]'],
    ['a bad class id', { studentIds: ['A'], classId: 'C/1' }, 'classId'],
    ['an unknown field', { studentIds: ['A'], surprise: true }, 'surprise'],
    ['an origin not allowed', { studentIds: ['A'], origin: 'https://evil.example.com' }, 'origin'],
    [
      'a callback not allowed',
      { studentIds: ['A'], callbackUrl: 'https://evil.example.com/cb' },
      'callbackUrl',
    ],
    ['5001 students', { studentIds: Array.from({ length: 5001 }, (_, i) => `S${i}`) }, 'studentIds'],
  ];

  it.each(badBodies)('should answer %s with 400 naming the field', async (_, body, field) => {
    const answer = await create({ classId: 'C', testId: '1', ...body }).expect(400);
    expect(answer.body).toMatchObject({ success: false, statusCode: 400, error: 'Bad Request' });
    expect(answer.body.message).toContain(field);
  });

  it('should take 5000 ids of 128 characters (about 1 MB) and refuse them on other routes', async () => {
    const studentIds = Array.from(
      { length: 5000 },
      (_, index) => `${String(index).padStart(5, '0')}${'x'.repeat(123)}`,
    );
    const accepted = await create({ classId: 'CBIG', testId: '1', studentIds }).expect(202);
    expect(accepted.body.total).toBe(5000);
    await internal(http().delete(`/internal/batches/${accepted.body.batchId as string}`)).expect(200);
    await internal(http().post('/internal/trigger-generate-pdf'))
      .send({ classId: 'C', testId: '1', reportType: 'overall', origin: studentIds.join(',') })
      .expect(413);
  });

  it('should refuse a wrong service token', async () => {
    await http().get('/internal/batches/00000000-0000-4000-8000-000000000000').expect(401);
  });

  describe('sharing the renderers', () => {
    const finishedAt = async (batchId: string) => {
      const done = await until(
        () => status(batchId).then((answer) => answer.body as { state: string; finishedAt: string | null }),
        (body) => body.state === 'completed',
        60000,
      );
      expect(done.state).toBe('completed');
      return Date.parse(done.finishedAt!);
    };

    it('should complete a small batch created after a big one before the big one', async () => {
      const big = await create({
        classId: 'FAIR1',
        testId: '5',
        studentIds: Array.from({ length: 16 }, (_, index) => `FB${index}`),
      }).expect(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const small = await create({ classId: 'FAIR2', testId: '5', studentIds: ['FS1', 'FS2'] }).expect(202);
      const [bigDone, smallDone] = await Promise.all([
        finishedAt(big.body.batchId as string),
        finishedAt(small.body.batchId as string),
      ]);
      expect(smallDone).toBeLessThan(bigDone);
    });

    it('should run a high priority batch before a low one created before it, and refuse another priority', async () => {
      const low = await create({
        classId: 'PRIO1',
        testId: '5',
        studentIds: Array.from({ length: 12 }, (_, index) => `PL${index}`),
        priority: 'low',
      }).expect(202);
      const high = await create({
        classId: 'PRIO2',
        testId: '5',
        studentIds: Array.from({ length: 4 }, (_, index) => `PH${index}`),
        priority: 'high',
      }).expect(202);
      const [lowDone, highDone] = await Promise.all([
        finishedAt(low.body.batchId as string),
        finishedAt(high.body.batchId as string),
      ]);
      expect(highDone).toBeLessThan(lowDone);
      const refused = await create({
        classId: 'PRIO3',
        testId: '5',
        studentIds: ['X'],
        priority: 'urgent',
      }).expect(400);
      expect(refused.body).toEqual({
        success: false,
        statusCode: 400,
        error: 'Bad Request',
        message: 'priority must be one of high, normal, low',
        reason: 'invalid_request',
        retryable: false,
      });
    });
  });

  describe('a purge during a pending batch', () => {
    it('should end every item queued before it "purged", write nothing under its scope, and render later batches', async () => {
      receiver.deliveries.length = 0;
      const studentIds = Array.from({ length: 10 }, (_, index) => `PU${index}`);
      const accepted = await create({
        classId: 'PURGE1',
        testId: '5',
        studentIds,
        callbackUrl: `${receiver.origin}/purged`,
      }).expect(202);
      const purged = await internal(http().delete('/internal/reports'))
        .send({ classId: 'PURGE1' })
        .expect(200);
      expect(purged.body).toMatchObject({ success: true, scope: 'reports/PURGE1/' });
      const batchId = accepted.body.batchId as string;
      const done = await until(
        () => status(batchId).then((answer) => answer.body as BatchBody),
        (body) => body.state === 'completed',
      );
      expect(done.state).toBe('completed');
      const failed = done.items.filter((item) => item.state === 'failed');
      // Only items finished before the purge arrived could have succeeded (and the purge deleted those).
      expect(failed.length).toBeGreaterThanOrEqual(8);
      expect(done.succeeded + done.failed).toBe(10);
      for (const item of failed)
        expect(item).toMatchObject({ error: 'purged', attempts: expect.any(Number) });
      expect(await storage.list('reports/PURGE1/')).toEqual([]);
      const callback = await until(
        () => Promise.resolve(receiver.deliveries.find((delivery) => delivery.body.includes(batchId))),
        (delivery) => delivery !== undefined,
      );
      const failures = (JSON.parse(callback!.body) as { failures: Array<{ s3Key: string; error: string }> })
        .failures;
      expect(failures).toHaveLength(failed.length);
      for (const failure of failures) expect(failure.error).toBe('purged');

      const after = await create({ classId: 'PURGE1', testId: '5', studentIds: ['PU0', 'PU1'] }).expect(202);
      const again = await until(
        () => status(after.body.batchId as string).then((answer) => answer.body as BatchBody),
        (body) => body.state === 'completed',
      );
      expect(again).toMatchObject({ succeeded: 2, failed: 0 });
      expect((await storage.list('reports/PURGE1/')).sort()).toEqual([
        'reports/PURGE1/Test_5/students/PU0.pdf',
        'reports/PURGE1/Test_5/students/PU1.pdf',
      ]);
    });
  });

  describe('GET /internal/batches/:id?items=', () => {
    it('should list all, only the failed or no items, the counters always counting the whole batch', async () => {
      const accepted = await create({ classId: 'ITEMS1', testId: '5', studentIds: ['IS1', 'IS2'] }).expect(
        202,
      );
      const batchId = accepted.body.batchId as string;
      await until(
        () => status(batchId).then((answer) => answer.body as { pending: number }),
        (body) => body.pending === 0,
      );
      const all = (await internal(http().get(`/internal/batches/${batchId}?items=all`)).expect(200)).body;
      const failed = (await internal(http().get(`/internal/batches/${batchId}?items=failed`)).expect(200))
        .body;
      const none = (await internal(http().get(`/internal/batches/${batchId}?items=none`)).expect(200)).body;
      expect(all.items).toHaveLength(2);
      expect(failed.items).toEqual([]);
      expect(none.items).toEqual([]);
      for (const view of [failed, none]) {
        expect(view).toMatchObject({ total: 2, succeeded: 2, failed: 0, pending: 0, state: 'completed' });
      }
      for (const query of ['items=some', 'items=all&items=none']) {
        const refused = await internal(http().get(`/internal/batches/${batchId}?${query}`)).expect(400);
        expect(refused.body.message).toMatch(/^items /);
      }
    });
  });
});
