import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { S3ReportStorage } from '../src/storage/s3.storage';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { binaryParser, drain } from './support/binary';
import { pdfText, popplerOn } from './support/pdf-text';
import { s3Env, startS3rver, s3StorageSettings, type TestS3 } from './support/s3rver';
import { startTestApp, testConfig } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-lifecycle-suite-0123';
const teacherOf = (classId: string) => signToken({ role: 'teacher', teacher_id: 'T1', class_ids: [classId] });
const studentOf = (id: string, classId: string) =>
  signToken({ role: 'student', student_id: id, class_id: classId });
const PDF = Buffer.from('%PDF-1.7\nstored for the lifecycle suite\n');

describe('report lifecycle (e2e: real Chromium, s3rver)', () => {
  let s3: TestS3;
  let slow: ReportFrontend;
  let app: INestApplication;
  let redirecting: INestApplication;
  let bucket: S3ReportStorage;
  const http = () => request(app.getHttpServer());
  const trigger = (body: Record<string, unknown>) =>
    http()
      .post('/internal/trigger-generate-pdf')
      .set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`)
      .send(body);
  const status = (query: string, token: string) =>
    http().get(`/report-status?${query}`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    s3 = await startS3rver();
    // Every page takes 1.5 s to get ready: long enough to look at a render in flight.
    slow = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET, readyDelayMs: [1500, 1500] });
    bucket = new S3ReportStorage(s3StorageSettings(s3));
    const env = {
      ...s3Env(s3),
      FRONTEND_ORIGINS: slow.origin,
      DEFAULT_FRONTEND_ORIGIN: slow.origin,
      JWT_SECRET: TEST_JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
    };
    app = await startTestApp(testConfig(env));
    redirecting = await startTestApp(
      testConfig({ ...env, HIT_DELIVERY: 'redirect', PRESIGN_TTL_SECONDS: '1' }),
    );
  });

  afterAll(async () => {
    await redirecting.close();
    await app.close();
    bucket.close();
    await s3.stop();
    await slow.close();
  });

  describe('GET /report-status', () => {
    it('should say missing, then generating during the render, then ready with its facts', async () => {
      const query = 'reportType=student&classId=CS1&testId=5&studentId=ST1';
      const student = studentOf('ST1', 'CS1');
      expect((await status(query, student).expect(200)).body).toEqual({
        reportType: 'student',
        classId: 'CS1',
        testId: 'Test_5',
        studentId: 'ST1',
        s3Key: 'reports/CS1/Test_5/students/ST1.pdf',
        status: 'missing',
      });
      const rendering = trigger({
        classId: 'CS1',
        testId: '5',
        reportType: 'student',
        studentId: 'ST1',
      }).then((answer) => answer);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await status('reportType=student&classId=CS1&testId=5', student).expect(200)).body.status).toBe(
        'generating',
      );
      expect((await rendering).status).toBe(202);
      const ready = (await status(query, student).expect(200)).body;
      expect(ready).toMatchObject({ status: 'ready', etag: expect.any(String), size: expect.any(Number) });
      expect(Date.parse(ready.generatedAt as string)).not.toBeNaN();
      expect(slow.apiCalls('ST1')).toBe(1);
    });

    it('should answer 401 / 403 / 400 exactly as the downloads do, and never render', async () => {
      await http().get('/report-status?reportType=student&classId=CS1&testId=5&studentId=ST1').expect(401);
      await status('reportType=student&classId=CS1&testId=5&studentId=OTHER', studentOf('ST1', 'CS1')).expect(
        403,
      );
      await status('reportType=overall&classId=CS2&testId=5', teacherOf('CS1')).expect(403);
      const missingClass = await status('reportType=student&testId=5', studentOf('ST1', 'CS1')).expect(400);
      expect(missingClass.body.message).toContain('classId');
      expect(slow.apiCalls('OTHER')).toBe(0);
    });

    it('should build the class status from one listing', async () => {
      for (let index = 0; index < 40; index += 1) {
        await bucket.write(`reports/CL40/Test_2/students/S${String(index).padStart(2, '0')}.pdf`, PDF, {
          contentType: 'application/pdf',
        });
      }
      await bucket.write('reports/CL40/Test_2/teacher_T1.pdf', PDF, { contentType: 'application/pdf' });
      const answer = await http()
        .get('/report-status/class?classId=CL40&testId=2')
        .set('Authorization', `Bearer ${teacherOf('CL40')}`)
        .expect(200);
      expect(answer.body).toEqual({
        classId: 'CL40',
        testId: 'Test_2',
        students: {
          ready: Array.from({ length: 40 }, (_, index) => `S${String(index).padStart(2, '0')}`),
          generating: [],
        },
        teachers: { ready: ['T1'] },
        overall: 'missing',
      });
      await http()
        .get('/report-status/class?classId=CL40&testId=2')
        .set('Authorization', `Bearer ${studentOf('S01', 'CL40')}`)
        .expect(403);
    });
  });

  describe('DELETE /internal/reports', () => {
    const purge = (body: Record<string, unknown>) =>
      http().delete('/internal/reports').set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`).send(body);
    const keys = async (prefix: string) => (await bucket.list(prefix)).sort();

    it('should delete one key, a test, or a whole class', async () => {
      for (const key of [
        'reports/CP/Test_1/students/A.pdf',
        'reports/CP/Test_1/students/B.pdf',
        'reports/CP/Test_1/overall.pdf',
        'reports/CP/Test_2/students/A.pdf',
        'reports/CP/overall/teacher_T1.pdf',
      ]) {
        await bucket.write(key, PDF, { contentType: 'application/pdf' });
      }
      expect(
        (await purge({ classId: 'CP', testId: '1', reportType: 'student', studentId: 'A' }).expect(200)).body,
      ).toEqual({
        success: true,
        deleted: 1,
        scope: 'reports/CP/Test_1/students/A.pdf',
      });
      expect((await purge({ classId: 'CP', testId: '1' }).expect(200)).body).toEqual({
        success: true,
        deleted: 2,
        scope: 'reports/CP/Test_1/',
      });
      expect(await keys('reports/CP/')).toEqual([
        'reports/CP/Test_2/students/A.pdf',
        'reports/CP/overall/teacher_T1.pdf',
      ]);
      expect((await purge({ classId: 'CP' }).expect(200)).body).toMatchObject({
        deleted: 2,
        scope: 'reports/CP/',
      });
      expect(await keys('reports/CP/')).toEqual([]);
      await purge({ classId: 'CP', testId: '1', reportType: 'student' }).expect(400);
      await http().delete('/internal/reports').send({ classId: 'CP' }).expect(401);
    });

    it('should not let a render that was in flight during the purge write its PDF back', async () => {
      const key = 'reports/CR/Test_1/students/GONE.pdf';
      const rendering = trigger({
        classId: 'CR',
        testId: '1',
        reportType: 'student',
        studentId: 'GONE',
      }).then((answer) => answer);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await purge({ classId: 'CR', testId: '1', reportType: 'student', studentId: 'GONE' }).expect(200);
      const answer = await rendering;
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ success: false, reason: 'conflict' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await bucket.stat(key)).toBeNull();
      expect(slow.apiCalls('GONE')).toBe(1);
    });
  });

  describe('HIT_DELIVERY=redirect', () => {
    it('should answer a HIT with 302 to a presigned URL serving the same bytes and filename, which expires', async () => {
      const key = 'reports/CD/Test_3/students/RD1.pdf';
      await bucket.write(key, PDF, { contentType: 'application/pdf' });
      const answer = await request(redirecting.getHttpServer())
        .get('/generate-pdf?studentId=RD1&testId=3&classId=CD')
        .set('Authorization', `Bearer ${teacherOf('CD')}`)
        .expect(302);
      expect(answer.headers).toMatchObject({ 'x-cache': 'HIT', 'cache-control': 'private, no-store' });
      const location = String(answer.headers.location);
      expect(location.startsWith(s3.endpoint)).toBe(true);
      const fetched = await fetch(location);
      expect(fetched.status).toBe(200);
      expect(Buffer.from(await fetched.arrayBuffer())).toEqual(PDF);
      expect(fetched.headers.get('content-type')).toBe('application/pdf');
      expect(fetched.headers.get('content-disposition')).toContain('filename="report_RD1_Test_3.pdf"');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect((await fetch(location)).status).toBe(403);
      // Access is checked before anything is signed.
      const refused = await request(redirecting.getHttpServer())
        .get('/generate-pdf?studentId=RD1&testId=3&classId=CD')
        .set('Authorization', `Bearer ${studentOf('OTHER', 'CD')}`)
        .expect(403);
      expect(refused.headers.location).toBeUndefined();
    });
  });

  describe('PDFs people can use', () => {
    it('should tag the PDF and title it from the page, or from the report when the page has no title', async () => {
      await trigger({ classId: 'CT', testId: '1', reportType: 'student', studentId: 'TITLED' }).expect(202);
      const titled = await drain(await bucket.read('reports/CT/Test_1/students/TITLED.pdf'));
      const info = await popplerOn('pdfinfo', titled);
      expect(info).toMatch(/^Title:\s+Report$/m);
      expect(info).toMatch(/^Tagged:\s+yes$/m);
      await trigger({ classId: 'CT', testId: '1', reportType: 'student', studentId: 'NOTITLE1' }).expect(202);
      const untitled = await drain(await bucket.read('reports/CT/Test_1/students/NOTITLE1.pdf'));
      expect(await popplerOn('pdfinfo', untitled)).toMatch(/^Title:\s+Student report NOTITLE1 · Test_1$/m);
    });

    it('should keep Tamil text as text, in an embedded font', async () => {
      const answer = await http()
        .get('/generate-pdf?studentId=TAMIL1&testId=1&classId=CT')
        .set('Authorization', `Bearer ${teacherOf('CT')}`)
        .buffer(true)
        .parse(binaryParser)
        .expect(200);
      const pdf = answer.body as Buffer;
      expect(await pdfText(pdf)).toContain('தமிழ் அறிக்கை');
      const fonts = await popplerOn('pdffonts', pdf);
      expect(fonts).toMatch(/Tamil\S*\s+.*\s+yes\s+yes/);
    });
  });
});
