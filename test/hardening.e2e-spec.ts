import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { startRedis, startServiceProcess, type ServiceProcess, type TestRedis } from './support/processes';
import { startFsTestApp } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-hardening-suite-012345';
const ISSUER = 'https://backend.example.com';
const AUDIENCE = 'pdf-service';
const now = () => Math.floor(Date.now() / 1000);

/** A user JWT as SimpleJWT issues it for this deployment (iss, aud, 10 minutes). */
const userToken = (claims: Record<string, unknown>) =>
  signToken({ iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600, ...claims });

describe('hardening (e2e: real Chromium, fs storage)', () => {
  let frontend: ReportFrontend;
  let app: INestApplication;
  let removeDir: () => Promise<void>;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    ({ app, removeDir } = await startFsTestApp(frontend.origin, {
      JWT_SECRET: TEST_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_MAX_AGE_SECONDS: '3600',
      RENDER_RATE_PER_MINUTE: '2',
    }));
  });

  afterAll(async () => {
    await app.close();
    await frontend.close();
    await removeDir();
  });

  beforeEach(() => frontend.resetCounters());

  describe('tokens', () => {
    // HEAD on a report that is not stored answers 404 once the token is accepted, without rendering.
    const probe = (token: string) =>
      http().head('/generate-pdf?studentId=S1&testId=1&classId=C1').set('Authorization', `Bearer ${token}`);

    it('should accept a token of this issuer and audience within the maximum age', async () => {
      await probe(userToken({ role: 'admin', user_id: 'A' })).expect(404);
    });

    it.each([
      ['without exp', signToken({ iss: ISSUER, aud: AUDIENCE, role: 'admin', exp: undefined })],
      ['a refresh token', userToken({ role: 'admin', token_type: 'refresh' })],
      ['another issuer', userToken({ role: 'admin', iss: 'https://elsewhere.example.com' })],
      ['another audience', userToken({ role: 'admin', aud: 'another-service' })],
      ['older than the maximum age allows', userToken({ role: 'admin', exp: now() + 7 * 24 * 3600 })],
    ])('should refuse a token %s with 401 "invalid or expired token"', async (_, token) => {
      const answer = await http()
        .get('/generate-pdf?studentId=S1&testId=1&classId=C1')
        .set('Authorization', `Bearer ${token}`)
        .expect(401);
      expect(answer.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'invalid or expired token',
      });
    });
  });

  describe('render budget (RENDER_RATE_PER_MINUTE=2)', () => {
    it('should answer 429 with Retry-After past the budget, render nothing more, and still serve HITs', async () => {
      const student = userToken({ role: 'student', student_id: 'RB1', class_id: 'CRB' });
      for (const test of ['1', '2']) {
        await http()
          .get(`/generate-pdf?studentId=RB1&testId=${test}&classId=CRB`)
          .set('Authorization', `Bearer ${student}`)
          .expect(200);
      }
      const refused = await http()
        .get('/generate-pdf?studentId=RB1&testId=3&classId=CRB')
        .set('Authorization', `Bearer ${student}`)
        .expect(429);
      expect(refused.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'render budget for this user is spent, retry later',
      });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(frontend.apiCalls('RB1')).toBe(2);
      // The backend's trigger is not limited; the stored report is then a HIT for the student.
      await http()
        .post('/internal/trigger-generate-pdf')
        .set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`)
        .send({ classId: 'CRB', testId: '4', reportType: 'student', studentId: 'RB1' })
        .expect(202);
      const hit = await http()
        .get('/generate-pdf?studentId=RB1&testId=4&classId=CRB')
        .set('Authorization', `Bearer ${student}`)
        .expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      const metrics = (await http().get('/metrics')).text;
      expect(metrics).toMatch(/^pdf_render_rejected_total\{reason="rate"\} 1$/m);
    });

    it('should refuse a bulk whose uncached entries exceed the budget up front, rendering nothing', async () => {
      const teacher = userToken({ role: 'teacher', teacher_id: 'TB1', class_ids: ['CBB'] });
      const answer = await http()
        .post('/generate-bulk-pdf')
        .set('Authorization', `Bearer ${teacher}`)
        .send({ studentIds: ['X1', 'X2', 'X3'], testId: '1', classId: 'CBB' })
        .expect(429);
      expect(answer.headers['retry-after']).toBeDefined();
      expect(frontend.requests()).toEqual([]);
    });
  });

  describe('inputs', () => {
    const admin = () => userToken({ role: 'admin', user_id: 'A' });
    it.each([
      ['/generate-pdf?classId[a]=x&studentId=S&testId=5', 'classId'],
      ['/generate-pdf?classId=a&classId=b&studentId=S&testId=5', 'classId'],
      ['/generate-pdf?studentId[]=S&testId=5', 'studentId'],
      ['/generate-pdf?studentId=S&studentId=T&testId=5', 'studentId'],
      ['/generate-pdf?studentId=S&testId[x]=5', 'testId'],
      ['/generate-pdf?studentId=S&testId=5&testId=6', 'testId'],
      ['/generate-student-pdf?testId=5&classId[a]=x', 'classId'],
      ['/generate-student-pdf?testId=5&testId=6', 'testId'],
      ['/generate-teacher-pdf?testId[a]=5', 'testId'],
      ['/generate-teacher-pdf?testId=5&classId=a&classId=b', 'classId'],
    ])('should answer %s with 400 naming %s', async (path, field) => {
      const answer = await http().get(path).set('Authorization', `Bearer ${admin()}`).expect(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(answer.body.message).toContain(field);
      expect(frontend.requests()).toEqual([]);
    });

    it('should bound slow clients with explicit server timeouts', () => {
      const server = app.getHttpServer() as {
        headersTimeout: number;
        requestTimeout: number;
        keepAliveTimeout: number;
      };
      expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([
        10000, 30000, 5000,
      ]);
    });
  });
});

describe('render budget shared by two processes on one Redis (e2e)', () => {
  let redis: TestRedis;
  let frontend: ReportFrontend;
  let replicas: ServiceProcess[];

  beforeAll(async () => {
    redis = await startRedis();
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    const env = {
      STORAGE_DRIVER: 'fs',
      STORAGE_DIR: `/tmp/pdf-budget-${process.pid}`,
      REDIS_URL: redis.url,
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
      JWT_SECRET: TEST_JWT_SECRET,
      RENDER_RATE_PER_MINUTE: '2',
      LOG_LEVEL: 'warn',
    };
    replicas = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
  });

  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.stop();
    await frontend?.close();
    await redis?.stop();
  });

  it('should count one budget across replicas', async () => {
    const token = signToken({ role: 'student', student_id: 'SHARED', user_id: 'SHARED' });
    const download = (replica: ServiceProcess, test: string) =>
      fetch(`${replica.base}/generate-pdf?studentId=SHARED&testId=${test}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
    expect((await download(replicas[0], '1')).status).toBe(200);
    expect((await download(replicas[1], '2')).status).toBe(200);
    const third = await download(replicas[0], '3');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).not.toBeNull();
  });
});
