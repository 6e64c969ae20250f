import { Logger, type INestApplication } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { S3ReportStorage } from '../src/storage/s3.storage';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { binaryParser, drain } from './support/binary';
import { pdfText } from './support/pdf-text';
import { s3Env, startS3rver, s3StorageSettings, type TestS3 } from './support/s3rver';
import { startFsTestApp, startTestApp, testConfig } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';
import { unzipEntries, zipMethods } from './support/zip';

const INTERNAL_TOKEN = 'internal-token-for-the-e2e-suite-0123456789';

const admin = signToken({ role: 'admin', user_id: 'ADMIN1' });
const teacherT1 = signToken({ role: 'teacher', teacher_id: 'T1', user_id: 'T1' });
const teacherScopedX = signToken({ role: 'teacher', teacher_id: 'T2', user_id: 'T2', class_id: 'CLASS_X' });
const studentOf = (id: string) => signToken({ role: 'student', student_id: id, user_id: id });
const studentIn = (id: string, classId: string) =>
  signToken({ role: 'student', student_id: id, user_id: id, class_id: classId });
const teacherIn = (classId: string) =>
  signToken({ role: 'teacher', teacher_id: 'T1', user_id: 'T1', class_ids: [classId] });

describe('reports (e2e: real Chromium, s3rver, fixture frontend)', () => {
  let s3: TestS3;
  let frontend: ReportFrontend;
  /** A second local origin that is not allowed: the fixture's "AWAY" pages redirect to it. */
  let elsewhere: ReportFrontend;
  /** An allowed frontend origin nothing listens on. */
  let deadOrigin: string;
  let app: INestApplication;
  let bucket: S3ReportStorage;
  let logs: string[];

  const http = () => request(app.getHttpServer());
  const trigger = (body: Record<string, unknown>) =>
    http()
      .post('/internal/trigger-generate-pdf')
      .set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`)
      .send(body);
  const download = (path: string, token: string) =>
    http().get(path).set('Authorization', `Bearer ${token}`).buffer(true).parse(binaryParser);
  const storedKeys = async () => (await bucket.list('reports/')).sort();

  beforeAll(async () => {
    s3 = await startS3rver();
    elsewhere = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET, foreignOrigin: elsewhere.origin });
    deadOrigin = await closedPortOrigin();
    bucket = new S3ReportStorage(s3StorageSettings(s3));
    logs = [];
    for (const level of ['log', 'warn'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logs.push(args.filter((arg) => typeof arg === 'string').join(' '));
      });
    }
    app = await startTestApp(
      testConfig({
        ...serviceEnv(s3, frontend),
        FRONTEND_ORIGINS: `${frontend.origin},${deadOrigin}`,
        RENDER_CONCURRENCY: '4',
        RENDER_TIMEOUT_MS: '20000',
      }),
    );
  });

  afterAll(async () => {
    await app.close();
    bucket.close();
    await s3.stop();
    await frontend.close();
    await elsewhere.close();
    jest.restoreAllMocks();
  });

  beforeEach(() => {
    frontend.resetCounters();
    elsewhere.resetCounters();
  });

  describe('internal trigger', () => {
    it.each([
      [
        { reportType: 'student', studentId: 'STU001', testId: '5' },
        'reports/CLASS_123/Test_5/students/STU001.pdf',
        'STU001',
      ],
      [
        { reportType: 'teacher', teacherId: 'TCH001', testId: 'overall' },
        'reports/CLASS_123/overall/teacher_TCH001.pdf',
        'TCH001',
      ],
      [
        { reportType: 'teacher', teacherId: 'TCH001', testId: 'Test_5' },
        'reports/CLASS_123/Test_5/teacher_TCH001.pdf',
        'TCH001',
      ],
      [{ reportType: 'overall', testId: 'Test 5' }, 'reports/CLASS_123/Test_5/overall.pdf', 'overall'],
    ])('should render and store %j at its key, then serve it as a HIT', async (body, key, subject) => {
      const answer = await trigger({ classId: 'CLASS_123', ...body }).expect(202);
      expect(answer.body).toEqual({
        success: true,
        message: 'PDF generation completed',
        reportType: body.reportType,
        testId: body.testId,
        classId: 'CLASS_123',
        s3Key: key,
        cached: false,
        bytes: expect.any(Number),
        durationMs: expect.any(Number),
      });
      const stored = await drain(await bucket.read(key));
      expect(stored.length).toBe(answer.body.bytes);
      expect(stored.subarray(0, 5).toString()).toBe('%PDF-');
      expect(await pdfText(stored)).toContain(`Report for ${subject}`);

      if (body.reportType !== 'student') return;
      frontend.resetCounters();
      const hit = await download(
        '/generate-pdf?studentId=STU001&testId=Test_5&classId=CLASS_123',
        teacherT1,
      ).expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(Buffer.compare(hit.body as Buffer, stored)).toBe(0);
      expect(frontend.apiCalls()).toBe(0);
    });

    it('should use the backend-minted report token when one is sent', async () => {
      const reportToken = signToken({
        user_id: 'BACKEND_MINTED',
        student_id: 'STU777',
        user_type: 'student',
      });
      await trigger({
        classId: 'C9',
        testId: '1',
        reportType: 'student',
        studentId: 'STU777',
        reportToken,
      }).expect(202);
      expect(
        await pdfText(await drain(await bucket.read('reports/C9/Test_1/students/STU777.pdf'))),
      ).toContain('Viewer BACKEND_MINTED');
    });

    it('should re-render with force true (the default) and not with force false', async () => {
      const body = { classId: 'CF', testId: '1', reportType: 'student', studentId: 'SF' };
      await trigger(body).expect(202);
      await trigger(body).expect(202);
      expect(frontend.apiCalls('SF')).toBe(2);
      const cached = await trigger({ ...body, force: false }).expect(202);
      expect(cached.body).toMatchObject({ cached: true, s3Key: 'reports/CF/Test_1/students/SF.pdf' });
      expect(frontend.apiCalls('SF')).toBe(2);
    });

    it.each([
      [undefined, 401],
      ['Bearer wrong-token', 401],
      [`Bearer ${INTERNAL_TOKEN}x`, 401],
      [INTERNAL_TOKEN, 401],
    ])('should refuse X-Service-Auth %j before reading the body', async (header, status) => {
      const call = http().post('/internal/trigger-generate-pdf').send({ not: 'even valid' });
      const answer = await (header ? call.set('X-Service-Auth', header) : call).expect(status);
      expect(answer.body).toEqual({
        success: false,
        statusCode: 401,
        error: 'Unauthorized',
        message: 'missing or wrong X-Service-Auth',
        reason: 'unauthenticated',
        retryable: false,
      });
    });

    it.each([
      [{ testId: '1', reportType: 'student', studentId: 'S' }, 'classId'],
      [{ classId: 'C', reportType: 'student', studentId: 'S' }, 'testId'],
      [{ classId: 'C', testId: '1', reportType: 'parent' }, 'reportType'],
      [{ classId: 'C', testId: '1', reportType: 'student' }, 'studentId'],
      [{ classId: 'C', testId: '1', reportType: 'teacher' }, 'teacherId'],
      [{ classId: 'C', testId: '1', reportType: 'overall', origin: 'https://evil.example.com' }, 'origin'],
      [{ classId: 'C', testId: '1', reportType: 'overall', reportToken: 'not-a-jwt' }, 'reportToken'],
      [
        {
          classId: 'C',
          testId: '1',
          reportType: 'overall',
          reportToken: signToken({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 60 }),
        },
        'reportToken',
      ],
      [{ classId: 'C', testId: '1', reportType: 'overall', force: 'yes' }, 'force'],
      [{ classId: 'C', testId: '1', reportType: 'overall', surprise: 1 }, 'surprise'],
      [{ classId: '../C', testId: '1', reportType: 'overall' }, 'classId'],
      [{ classId: 'C', testId: '1/2', reportType: 'overall' }, 'testId'],
      [{ classId: 'C', testId: '1', reportType: 'student', studentId: 'a%2Fb' }, 'studentId'],
      [{ classId: 'C', testId: '1', reportType: 'teacher', teacherId: 'T\u0000' }, 'teacherId'],
    ])('should answer 400 naming the field for %j', async (body, field) => {
      const before = await storedKeys();
      const answer = await trigger(body).expect(400);
      expect(answer.body).toMatchObject({ success: false, statusCode: 400, error: 'Bad Request' });
      expect(answer.body.message).toContain(field);
      expect(await storedKeys()).toEqual(before);
    });

    it('should answer 502 and store nothing when the page reports an error', async () => {
      const answer = await trigger({
        classId: 'CE',
        testId: '1',
        reportType: 'student',
        studentId: 'FAIL_1',
      }).expect(502);
      expect(answer.body).toMatchObject({ success: false, statusCode: 502, error: 'Bad Gateway' });
      expect(answer.body.message).toContain('page_error');
      expect(await bucket.stat('reports/CE/Test_1/students/FAIL_1.pdf')).toBeNull();
    });

    it('should classify failures: a page error is not retryable and loaded once', async () => {
      const answer = await trigger({
        classId: 'CE',
        testId: '2',
        reportType: 'student',
        studentId: 'FAIL_9',
      }).expect(502);
      expect(answer.body).toEqual({
        success: false,
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'render failed (page_error)',
        reason: 'page_error',
        retryable: false,
      });
      expect(frontend.apiCalls('FAIL_9')).toBe(1);
    });

    it('should refuse a reportToken signed with another key before any page load', async () => {
      const answer = await trigger({
        classId: 'CK',
        testId: '1',
        reportType: 'student',
        studentId: 'WRONGKEY',
        reportToken: signToken({ user_type: 'student', student_id: 'WRONGKEY' }, 'not-the-service-secret'),
      }).expect(400);
      expect(answer.body).toMatchObject({ statusCode: 400, reason: 'invalid_input', retryable: false });
      expect(answer.body.message).toContain('reportToken');
      expect(frontend.requests()).toEqual([]);
    });

    it('should refuse a body over 100 kB with 413', async () => {
      await trigger({
        classId: 'C',
        testId: '1',
        reportType: 'overall',
        origin: 'x'.repeat(110 * 1024),
      }).expect(413);
    });
  });

  describe('downloads', () => {
    it('should render a never-triggered key (MISS), store it, then serve it (HIT)', async () => {
      const path = '/generate-pdf?studentId=NEW1&testId=7&classId=CM';
      const miss = await download(path, teacherIn('CM')).expect(200);
      expect(miss.headers).toMatchObject({
        'x-cache': 'MISS',
        'content-type': 'application/pdf',
        'content-disposition':
          'attachment; filename="report_NEW1_Test_7.pdf"; filename*=UTF-8\'\'report_NEW1_Test_7.pdf',
        'cache-control': 'private, no-cache',
      });
      expect(Number(miss.headers['content-length'])).toBe((miss.body as Buffer).length);
      expect(await pdfText(miss.body as Buffer)).toContain('Report for NEW1');
      const stored = await drain(await bucket.read('reports/CM/Test_7/students/NEW1.pdf'));
      expect(Buffer.compare(stored, miss.body as Buffer)).toBe(0);

      const hit = await download(path, teacherIn('CM')).expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.headers.etag).toBe(miss.headers.etag);
      expect(Buffer.compare(hit.body as Buffer, stored)).toBe(0);
      expect(frontend.apiCalls('NEW1')).toBe(1);
    });

    it('should answer HEAD without a body and If-None-Match with 304', async () => {
      const path = '/generate-pdf?studentId=STU001&testId=Test_5&classId=CLASS_123';
      const full = await download(path, admin).expect(200);
      const head = await http().head(path).set('Authorization', `Bearer ${admin}`).expect(200);
      expect(head.headers['content-length']).toBe(full.headers['content-length']);
      expect(head.headers.etag).toBe(full.headers.etag);
      const again = await http()
        .get(path)
        .set('Authorization', `Bearer ${admin}`)
        .set('If-None-Match', String(full.headers.etag))
        .expect(304);
      expect(again.headers['x-cache']).toBe('HIT');
    });

    it('should render without storing when no classId is given (BYPASS)', async () => {
      const before = await storedKeys();
      const bypass = await download('/generate-pdf?studentId=BY1&testId=3', teacherT1).expect(200);
      expect(bypass.headers['x-cache']).toBe('BYPASS');
      expect(await pdfText(bypass.body as Buffer)).toContain('Report for BY1');
      expect(await storedKeys()).toEqual(before);
    });

    it('should serve the calling student and teacher their own reports, stored canonically', async () => {
      const own = await download(
        '/generate-student-pdf?testId=4&classId=CO',
        studentIn('SELF1', 'CO'),
      ).expect(200);
      expect(own.headers['x-cache']).toBe('MISS');
      // Stored reports come from the report's own page with a token minted for that student.
      expect(await pdfText(own.body as Buffer)).toContain('Page report, test Test_4');
      expect(await pdfText(own.body as Buffer)).toContain('Viewer SELF1');
      expect(await bucket.stat('reports/CO/Test_4/students/SELF1.pdf')).not.toBeNull();
      const teacher = await download('/generate-teacher-pdf?testId=0&classId=CO', teacherIn('CO')).expect(
        200,
      );
      expect(await pdfText(teacher.body as Buffer)).toContain('Report for T1');
      expect(await bucket.stat('reports/CO/overall/teacher_T1.pdf')).not.toBeNull();
      const selfPage = await download('/generate-student-pdf?testId=4', studentOf('SELF1')).expect(200);
      expect(selfPage.headers['x-cache']).toBe('BYPASS');
      expect(await pdfText(selfPage.body as Buffer)).toContain('Page student-report');
    });

    it('should make 8 concurrent misses for one key share one render', async () => {
      const path = '/generate-pdf?studentId=SF8&testId=8&classId=C8';
      const answers = await Promise.all(Array.from({ length: 8 }, () => download(path, teacherT1)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
      expect(frontend.apiCalls('SF8')).toBe(1);
      const first = answers[0].body as Buffer;
      for (const answer of answers) expect(Buffer.compare(answer.body as Buffer, first)).toBe(0);
    });

    it('should make a trigger and a concurrent download MISS of one key share one render', async () => {
      const [triggered, downloaded] = await Promise.all([
        trigger({ classId: 'CT', testId: '3', reportType: 'student', studentId: 'SHARED1' }),
        download('/generate-pdf?studentId=SHARED1&testId=3&classId=CT', teacherIn('CT')),
      ]);
      expect(triggered.status).toBe(202);
      expect(downloaded.status).toBe(200);
      const pageLoads = frontend
        .requests()
        .filter((request) => request.path.startsWith('/report?studentId=SHARED1'));
      expect(pageLoads).toHaveLength(1);
      expect(frontend.apiCalls('SHARED1')).toBe(1);
      const stored = await drain(await bucket.read('reports/CT/Test_3/students/SHARED1.pdf'));
      expect(Buffer.compare(stored, downloaded.body as Buffer)).toBe(0);
    });

    it('should answer 502 on a page error, store nothing, and render again next time', async () => {
      const path = '/generate-pdf?studentId=FAIL_2&testId=1&classId=CE';
      const first = await download(path, teacherT1).expect(502);
      expect(JSON.parse((first.body as Buffer).toString())).toMatchObject({
        statusCode: 502,
        error: 'Bad Gateway',
      });
      await download(path, teacherT1).expect(502);
      expect(frontend.apiCalls('FAIL_2')).toBe(2);
      expect(await bucket.stat('reports/CE/Test_1/students/FAIL_2.pdf')).toBeNull();
    });

    it('should allow exactly the configured frontends through CORS', async () => {
      const allowed = await http()
        .options('/generate-pdf')
        .set('Origin', frontend.origin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(allowed.headers['access-control-allow-origin']).toBe(frontend.origin);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const hit = await download('/generate-pdf?studentId=STU001&testId=5&classId=CLASS_123', admin).set(
        'Origin',
        frontend.origin,
      );
      expect(hit.headers['access-control-expose-headers']).toBe(
        'Content-Disposition,Content-Length,ETag,X-Cache',
      );
      const other = await http().options('/generate-pdf').set('Origin', 'https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('authorization', () => {
    const cached = '/generate-pdf?studentId=STU001&testId=Test_5&classId=CLASS_123';

    it.each([
      ['no token', undefined],
      ['a malformed token', 'Bearer not.a.jwt'],
      ['a badly signed token', `Bearer ${signToken({ role: 'admin', sub: 'x' }, 'another-secret')}`],
      [
        'an expired token',
        `Bearer ${signToken({ role: 'admin', sub: 'x', exp: Math.floor(Date.now() / 1000) - 120 })}`,
      ],
      ['an alg none token', `Bearer ${unsignedToken({ role: 'admin', sub: 'x' })}`],
      ['an HS512 token', `Bearer ${hs512Token({ role: 'admin', sub: 'x' })}`],
    ])('should answer 401 to %s', async (_, header) => {
      const call = http().get(cached);
      const answer = await (header ? call.set('Authorization', header) : call).expect(401);
      expect(answer.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });

    it('should accept a token expired less than 30 s ago', async () => {
      const recent = signToken({ role: 'admin', sub: 'x', exp: Math.floor(Date.now() / 1000) - 5 });
      await download(cached, recent).expect(200);
    });

    it.each([
      ['student A asking for student B, cached', studentOf('STU002'), cached],
      [
        'student A asking for student B, not cached',
        studentOf('STU002'),
        '/generate-pdf?studentId=ZZ9&testId=1&classId=C1',
      ],
      [
        'a teacher scoped to class X asking for class Y',
        teacherScopedX,
        '/generate-pdf?studentId=STU001&testId=5&classId=CLASS_123',
      ],
      [
        'a student asking for a teacher report',
        studentOf('T1'),
        '/generate-teacher-pdf?testId=5&classId=CLASS_123',
      ],
    ])('should answer 403 to %s, before touching storage', async (_, token, path) => {
      const before = await storedKeys();
      const answer = await http().get(path).set('Authorization', `Bearer ${token}`).expect(403);
      expect(answer.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'this token does not cover that report',
      });
      expect(await storedKeys()).toEqual(before);
    });

    it('should let a teacher scoped to class X read class X and the student their own', async () => {
      await download('/generate-pdf?studentId=STU001&testId=5&classId=CLASS_X', teacherScopedX).expect(200);
      await download(cached, studentOf('STU001')).expect(200);
    });
  });

  describe('gatekeeper', () => {
    const forbidden = {
      statusCode: 403,
      error: 'Forbidden',
      message: 'this token does not cover that report',
    };

    it('should confine the minted overall-report token to the overall report of its class and test', async () => {
      await trigger({ classId: 'CG', testId: '5', reportType: 'overall' }).expect(202);
      const [minted] = frontend.tokensFor('overall');
      expect(minted).toBeDefined();
      for (const path of [
        '/generate-pdf?studentId=S77&testId=5&classId=C7',
        '/generate-pdf?studentId=S77&testId=5&classId=CG',
        '/generate-teacher-pdf?testId=5&classId=C7',
        '/generate-teacher-pdf?testId=overall&classId=C7',
        '/generate-pdf?studentId=S77&testId=5',
      ]) {
        const answer = await http().get(path).set('Authorization', `Bearer ${minted}`).expect(403);
        expect(answer.body).toEqual(forbidden);
      }
      expect(frontend.apiCalls('S77')).toBe(0);
    });

    it('should hold an admin report:read token to its class and test', async () => {
      const scopedAdmin = signToken({
        user_type: 'admin',
        user_id: 'A9',
        scope: 'report:read',
        class_id: 'CLASS_123',
        test_id: 'Test_5',
      });
      await download('/generate-pdf?studentId=STU001&testId=5&classId=CLASS_123', scopedAdmin).expect(200);
      for (const path of [
        '/generate-pdf?studentId=S77&testId=5&classId=C7',
        '/generate-pdf?studentId=STU001&testId=6&classId=CLASS_123',
        '/generate-teacher-pdf?testId=5&classId=C7',
        '/generate-pdf?studentId=STU001&testId=5',
      ]) {
        await http().get(path).set('Authorization', `Bearer ${scopedAdmin}`).expect(403);
      }
    });

    it.each([
      ['a string', 'C1', 401],
      ['objects', [{ id: 'C1' }], 401],
      ['an empty list', [], 403],
    ])('should not read class_ids holding %s as "any class"', async (_, classIds, status) => {
      const token = signToken({ role: 'teacher', teacher_id: 'T5', class_ids: classIds });
      for (const path of [
        '/generate-pdf?studentId=STU001&testId=5&classId=CLASS_123',
        '/generate-pdf?studentId=STU001&testId=5&classId=C1',
        '/generate-pdf?studentId=STU001&testId=5',
      ]) {
        const answer = await http().get(path).set('Authorization', `Bearer ${token}`).expect(status);
        if (status === 401) {
          expect(answer.body).toEqual({
            statusCode: 401,
            error: 'Unauthorized',
            message: 'invalid or expired token',
          });
        }
      }
    });

    it('should refuse a class-scoped teacher who leaves out classId (no class-less render around the scope)', async () => {
      await download('/generate-pdf?studentId=S9&testId=5&classId=CLASS_X', teacherScopedX).expect(200);
      const answer = await http()
        .get('/generate-pdf?studentId=S9&testId=5')
        .set('Authorization', `Bearer ${teacherScopedX}`)
        .expect(403);
      expect(answer.body).toEqual(forbidden);
    });

    it("should not store a student's render under a class their token does not name", async () => {
      const answer = await download('/generate-student-pdf?testId=5&classId=OTHER', studentOf('S5')).expect(
        200,
      );
      expect(answer.headers['x-cache']).toBe('BYPASS');
      expect(await pdfText(answer.body as Buffer)).toContain('Report for S5');
      expect(await bucket.stat('reports/OTHER/Test_5/students/S5.pdf')).toBeNull();
      await http()
        .get('/generate-student-pdf?testId=5&classId=OTHER')
        .set('Authorization', `Bearer ${studentIn('S5', 'MINE')}`)
        .expect(403);
    });

    it("should store a teacher's MISS as the student's canonical report, never the teacher's view", async () => {
      const teacher = await download(
        '/generate-pdf?studentId=S2&testId=5&classId=CC',
        teacherIn('CC'),
      ).expect(200);
      expect(teacher.headers['x-cache']).toBe('MISS');
      const student = await download(
        '/generate-student-pdf?testId=5&classId=CC',
        studentIn('S2', 'CC'),
      ).expect(200);
      expect(student.headers['x-cache']).toBe('HIT');
      expect(Buffer.compare(student.body as Buffer, teacher.body as Buffer)).toBe(0);
      const text = await pdfText(student.body as Buffer);
      expect(text).toContain('Report for S2');
      expect(text).toContain('Viewer S2');
      expect(text).not.toContain('Viewer T1');
    });

    it('should fail a render whose page redirects to another origin: 502, nothing stored, no cookie sent', async () => {
      const answer = await trigger({
        classId: 'CR',
        testId: '1',
        reportType: 'student',
        studentId: 'AWAY1',
      }).expect(502);
      expect(answer.body).toEqual({
        success: false,
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'render failed (blocked)',
        reason: 'blocked',
        retryable: false,
      });
      await download('/generate-pdf?studentId=AWAY1&testId=1&classId=CR', admin).expect(502);
      expect(await bucket.stat('reports/CR/Test_1/students/AWAY1.pdf')).toBeNull();
      expect(elsewhere.requests()).toEqual([]);
      const metrics = (await http().get('/metrics')).text;
      expect(metricValue(metrics, 'pdf_render_blocked_requests_total')).toBeGreaterThanOrEqual(2);
    });

    it('should answer a failed navigation without URLs or hosts, in the 502 and in the bulk manifest', async () => {
      const answer = await trigger({
        classId: 'CN',
        testId: '1',
        reportType: 'student',
        studentId: 'N1',
        origin: deadOrigin,
      }).expect(502);
      expect(answer.body).toEqual({
        success: false,
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'render failed (navigation)',
        reason: 'navigation',
        retryable: true,
      });
      const bulk = await http()
        .post('/generate-bulk-pdf')
        .set('Authorization', `Bearer ${admin}`)
        .set('Origin', deadOrigin)
        .send({ studentIds: ['N2'], testId: '1', classId: 'CN' })
        .buffer(true)
        .parse(binaryParser)
        .expect(200);
      const manifest = unzipEntries(bulk.body as Buffer)
        .get('manifest.json')!
        .toString();
      expect(JSON.parse(manifest)).toEqual([
        { studentId: 'N2', status: 'failed', error: 'render failed (navigation)' },
      ]);
      expect(manifest).not.toContain('127.0.0.1');
    });

    it.each(['/internal/trigger-generate-pdf', '/generate-bulk-pdf'])(
      'should answer JSON nested deeper than 32 levels with 400 (%s)',
      async (path) => {
        const answer = await http()
          .post(path)
          .set('Authorization', `Bearer ${admin}`)
          .set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`)
          .set('Content-Type', 'application/json')
          .send('['.repeat(49000) + ']'.repeat(49000))
          .expect(400);
        expect(answer.body).toMatchObject({
          statusCode: 400,
          error: 'Bad Request',
          message: 'request body nests deeper than 32 levels',
        });
      },
    );

    it.each([
      ['HEAD', (path: string) => http().head(path)],
      ['If-None-Match: *', (path: string) => http().get(path).set('If-None-Match', '*')],
      ['If-None-Match with a tag', (path: string) => http().get(path).set('If-None-Match', '"abc"')],
    ])('should answer %s on a report that is not stored with 404 and no render', async (_, call) => {
      for (const path of [
        '/generate-pdf?studentId=H1&testId=1&classId=CH',
        '/generate-pdf?studentId=H1&testId=1',
      ]) {
        const answer = await call(path).set('Authorization', `Bearer ${admin}`).expect(404);
        expect(answer.headers['x-cache']).toBe('MISS');
      }
      expect(frontend.requests()).toEqual([]);
      expect(await bucket.stat('reports/CH/Test_1/students/H1.pdf')).toBeNull();
    });
  });

  describe('bad input', () => {
    const bad = ['/', '..', '%2F', '%00', 'x'.repeat(200), '%C3%BC', 'a%26b%3Dc', ''];
    const cases: Array<[string, string]> = bad.flatMap((value): Array<[string, string]> => [
      [`/generate-pdf?studentId=${value}&testId=1&classId=C`, 'studentId'],
      [`/generate-pdf?studentId=S&testId=${value}&classId=C`, 'testId'],
      [`/generate-pdf?studentId=S&testId=1&classId=${value}`, 'classId'],
      [`/generate-student-pdf?testId=${value}&classId=C`, 'testId'],
      [`/generate-teacher-pdf?testId=1&classId=${value}`, 'classId'],
    ]);

    it.each(cases)('should answer %s with 400 naming %s', async (path, field) => {
      const before = await storedKeys();
      const answer = await http().get(path).set('Authorization', `Bearer ${admin}`).expect(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(answer.body.message).toContain(field);
      expect(await storedKeys()).toEqual(before);
    });

    it('should answer a repeated query key with 400 naming it', async () => {
      const answer = await http()
        .get('/generate-pdf?studentId=A&studentId=B&testId=1&classId=C')
        .set('Authorization', `Bearer ${admin}`)
        .expect(400);
      expect(answer.body.message).toContain('studentId');
    });

    it.each([
      ['no students', { studentIds: [], testId: '1' }, 'studentIds'],
      ['a repeated student', { studentIds: ['A', 'A'], testId: '1' }, 'studentIds'],
      [
        '501 students',
        { studentIds: Array.from({ length: 501 }, (_, i) => `S${i}`), testId: '1' },
        'studentIds',
      ],
      ['a number among the ids', { studentIds: ['A', 5], testId: '1' }, 'studentIds'],
      ['a path in an id', { studentIds: ['../A'], testId: '1', classId: 'C' }, 'studentId'],
      ['a slash in classId', { studentIds: ['A'], testId: '1', classId: 'C/D' }, 'classId'],
      ['no testId', { studentIds: ['A'] }, 'testId'],
    ])('should answer a bulk body with %s with 400 naming the field', async (_, body, field) => {
      const answer = await http()
        .post('/generate-bulk-pdf')
        .set('Authorization', `Bearer ${admin}`)
        .send(body)
        .expect(400);
      expect(answer.body.message).toContain(field);
    });
  });

  describe('bulk', () => {
    it('should zip cached, rendered and failed students with a manifest', async () => {
      await trigger({ classId: 'CB', testId: '2', reportType: 'student', studentId: 'B1' }).expect(202);
      await trigger({ classId: 'CB', testId: '2', reportType: 'student', studentId: 'B2' }).expect(202);
      frontend.resetCounters();
      const answer = await http()
        .post('/generate-bulk-pdf')
        .set('Authorization', `Bearer ${teacherIn('CB')}`)
        .send({ studentIds: ['B1', 'B2', 'B3', 'FAIL_B', 'B5'], testId: '2', classId: 'CB' })
        .buffer(true)
        .parse(binaryParser)
        .expect(200);
      expect(answer.headers['content-type']).toBe('application/zip');
      const zip = answer.body as Buffer;
      const entries = unzipEntries(zip);
      expect([...entries.keys()].sort()).toEqual(['B1.pdf', 'B2.pdf', 'B3.pdf', 'B5.pdf', 'manifest.json']);
      expect(
        [...zipMethods(zip).entries()].filter(([name]) => name.endsWith('.pdf')).map(([, method]) => method),
      ).toEqual([0, 0, 0, 0]);
      const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as Array<Record<string, string>>;
      const byStudent = Object.fromEntries(manifest.map((entry) => [entry.studentId, entry]));
      expect(byStudent.B1.status).toBe('cached');
      expect(byStudent.B2.status).toBe('cached');
      expect(byStudent.B3.status).toBe('rendered');
      expect(byStudent.B5.status).toBe('rendered');
      expect(byStudent.FAIL_B).toEqual({
        studentId: 'FAIL_B',
        status: 'failed',
        error: 'render failed (page_error)',
      });
      for (const id of ['B1', 'B3', 'B5'])
        expect(await pdfText(entries.get(`${id}.pdf`)!)).toContain(`Report for ${id}`);
      expect(frontend.apiCalls('B1')).toBe(0);
      expect(await bucket.stat('reports/CB/Test_2/students/B3.pdf')).not.toBeNull();
    });

    it('should refuse the whole bulk with 403 when one student is not covered', async () => {
      await http()
        .post('/generate-bulk-pdf')
        .set('Authorization', `Bearer ${studentOf('B1')}`)
        .send({ studentIds: ['B1', 'B2'], testId: '2', classId: 'CB' })
        .expect(403);
    });
  });

  describe('observability', () => {
    it('should count requests by cache result and renders in /metrics', async () => {
      const metrics = (await http().get('/metrics').expect(200)).text;
      expect(
        metricValue(metrics, 'pdf_requests_total{route="generate-pdf",cache="hit"}'),
      ).toBeGreaterThanOrEqual(3);
      expect(
        metricValue(metrics, 'pdf_requests_total{route="generate-pdf",cache="miss"}'),
      ).toBeGreaterThanOrEqual(2);
      expect(
        metricValue(metrics, 'pdf_requests_total{route="generate-pdf",cache="bypass"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(metricValue(metrics, 'pdf_render_failures_total{reason="page_error"}')).toBeGreaterThanOrEqual(
        3,
      );
      expect(metricValue(metrics, 'pdf_render_duration_seconds_count')).toBeGreaterThanOrEqual(10);
      expect(metrics).toContain('pdf_render_queue_active 0');
      expect(metrics).toContain('pdf_render_queue_waiting 0');

      const before = metricValue(metrics, 'pdf_requests_total{route="generate-pdf",cache="hit"}');
      await download('/generate-pdf?studentId=STU001&testId=5&classId=CLASS_123', admin).expect(200);
      const after = metricValue(
        (await http().get('/metrics')).text,
        'pdf_requests_total{route="generate-pdf",cache="hit"}',
      );
      expect(after).toBe(before + 1);
    });

    it('should log the three lines of the S3-first flow', () => {
      expect(logs).toContain('PDF found in S3, skipping generation');
      expect(logs).toContain('Starting PDF generation');
      expect(logs).toContain('PDF uploaded to S3 successfully');
    });
  });
});

describe('reports with storage down (e2e)', () => {
  let frontend: ReportFrontend;
  let app: INestApplication;

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    const s3 = await startS3rver();
    await s3.stop();
    app = await startTestApp(
      testConfig({
        ...serviceEnv(s3, frontend),
      }),
    );
  });

  afterAll(async () => {
    await app.close();
    await frontend.close();
  });

  it('should still answer downloads as MISS renders, and the trigger with 503', async () => {
    const answer = await request(app.getHttpServer())
      .get('/generate-pdf?studentId=DOWN1&testId=1&classId=CD')
      .set('Authorization', `Bearer ${admin}`)
      .buffer(true)
      .parse(binaryParser)
      .expect(200);
    expect(answer.headers['x-cache']).toBe('MISS');
    expect(await pdfText(answer.body as Buffer)).toContain('Report for DOWN1');
    const metrics = (await request(app.getHttpServer()).get('/metrics')).text;
    expect(metricValue(metrics, 'pdf_storage_errors_total{operation="read"}')).toBe(1);
    expect(metricValue(metrics, 'pdf_storage_errors_total{operation="write"}')).toBe(1);
    const triggered = await request(app.getHttpServer())
      .post('/internal/trigger-generate-pdf')
      .set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`)
      .send({ classId: 'CD', testId: '1', reportType: 'student', studentId: 'DOWN2' })
      .expect(503);
    expect(triggered.body).toMatchObject({ success: false, statusCode: 503, reason: 'storage_unavailable' });
    expect(triggered.headers['retry-after']).toBe('30');
  });
});

describe('reports under abandoned and greedy clients (e2e)', () => {
  const TIMEOUT_MS = 4000;
  let frontend: ReportFrontend;
  let app: INestApplication;
  let removeDir: () => Promise<void>;
  let origin: string;

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    ({ app, removeDir } = await startFsTestApp(frontend.origin, {
      JWT_SECRET: TEST_JWT_SECRET,
      RENDER_CONCURRENCY: '2',
      RENDER_TIMEOUT_MS: String(TIMEOUT_MS),
      RENDER_MAX_PER_VIEWER: '2',
    }));
    await app.listen(0, '127.0.0.1');
    origin = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    await frontend.close();
    await removeDir();
  });

  it('should not let six abandoned never-ready renders delay a download by more than one render timeout', async () => {
    const abandoned = Array.from({ length: 6 }, (_, index) =>
      requestThenLeave(
        `${origin}/generate-pdf?studentId=HANG${index}&testId=1&classId=CA`,
        signToken({ role: 'admin', user_id: `ADMIN_${index}` }),
        1000,
      ),
    );
    await Promise.all(abandoned);
    const started = Date.now();
    const answer = await request(app.getHttpServer())
      .get('/generate-pdf?studentId=OK1&testId=1&classId=CA')
      .set('Authorization', `Bearer ${admin}`)
      .buffer(true)
      .parse(binaryParser)
      .expect(200);
    expect(await pdfText(answer.body as Buffer)).toContain('Report for OK1');
    // The two renders already running may finish (to be stored); the four queued ones were dropped.
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2500);
    for (const index of [2, 3, 4, 5]) expect(frontend.apiCalls(`HANG${index}`)).toBe(0);
  });

  it('should answer 429 with Retry-After past RENDER_MAX_PER_VIEWER renders of one user', async () => {
    const greedy = studentOf('GREEDY');
    const slow = (id: string) =>
      request(app.getHttpServer())
        .get(`/generate-pdf?studentId=GREEDY&testId=${id}`)
        .set('Authorization', `Bearer ${greedy}`);
    const answers = await Promise.all(['1', '2', '3'].map((id) => slow(id).then((answer) => answer)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'too many renders in progress for this user, retry later',
    });
    // Another user is not held back by it.
    await request(app.getHttpServer())
      .get('/generate-pdf?studentId=OTHER&testId=1')
      .set('Authorization', `Bearer ${studentOf('OTHER')}`)
      .expect(200);
  });
});

/** Sends a GET and closes the connection after `leaveAfterMs`, as a browser tab that was closed. */
function requestThenLeave(url: string, token: string, leaveAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const call = httpGet(url, { headers: { Authorization: `Bearer ${token}` } });
    call.on('error', () => resolve());
    call.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve());
    });
    setTimeout(() => {
      call.destroy();
      resolve();
    }, leaveAfterMs);
  });
}

/** The service on s3rver, rendering from the fixture frontend, with the suite's secrets. */
function serviceEnv(s3: TestS3, frontend: ReportFrontend): Record<string, string> {
  return {
    ...s3Env(s3),
    FRONTEND_ORIGINS: frontend.origin,
    DEFAULT_FRONTEND_ORIGIN: frontend.origin,
    JWT_SECRET: TEST_JWT_SECRET,
    PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
  };
}

/** An origin on a port nothing listens on (opened, then closed again). */
async function closedPortOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function unsignedToken(claims: Record<string, unknown>): string {
  const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })).toString(
    'base64url',
  );
  return `${head}.${body}.`;
}

function hs512Token(claims: Record<string, unknown>): string {
  const head = Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })).toString(
    'base64url',
  );
  const signature = createHmac('sha512', TEST_JWT_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}
