import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { S3ReportStorage } from '../src/storage/s3.storage';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { binaryParser } from './support/binary';
import { pdfText } from './support/pdf-text';
import { s3Env, s3StorageSettings, startS3rver, type TestS3 } from './support/s3rver';
import { startTestApp, testConfig } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-origin-suite-01234567';

describe('one origin per stored render (e2e: real Chromium, s3rver, two frontends)', () => {
  let s3: TestS3;
  let bucket: S3ReportStorage;
  let first: ReportFrontend;
  let second: ReportFrontend;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const trigger = (body: Record<string, unknown>) =>
    http()
      .post('/internal/trigger-generate-pdf')
      .set('X-Service-Auth', `Bearer ${INTERNAL_TOKEN}`)
      .send(body);
  const storedText = async (key: string) =>
    pdfText(Buffer.concat((await (await bucket.read(key)).toArray()) as Buffer[]));

  beforeAll(async () => {
    s3 = await startS3rver();
    bucket = new S3ReportStorage(s3StorageSettings(s3));
    first = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET, name: 'FIRST' });
    // The second frontend is slow: long enough to trigger while its render runs.
    second = await startReportFrontend({
      jwtSecret: TEST_JWT_SECRET,
      name: 'SECOND',
      readyDelayMs: [1500, 1500],
    });
    app = await startTestApp(
      testConfig({
        ...s3Env(s3),
        FRONTEND_ORIGINS: `${first.origin},${second.origin}`,
        DEFAULT_FRONTEND_ORIGIN: first.origin,
        JWT_SECRET: TEST_JWT_SECRET,
        PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      }),
    );
  });

  afterAll(async () => {
    await app.close();
    bucket.close();
    await s3.stop();
    await first.close();
    await second.close();
  });

  it("should not keep another frontend's render for a force: false trigger", async () => {
    const teacher = signToken({ role: 'teacher', teacher_id: 'T1', class_ids: ['C1'] });
    const download = await http()
      .get('/generate-pdf?studentId=S99&testId=5&classId=C1')
      .set('Authorization', `Bearer ${teacher}`)
      .set('Origin', second.origin)
      .buffer(true)
      .parse(binaryParser)
      .expect(200);
    expect(download.headers['x-cache']).toBe('MISS');
    const key = 'reports/C1/Test_5/students/S99.pdf';
    expect(await storedText(key)).toContain('Rendered by SECOND');

    // Kept only when the stored PDF is this frontend's: the first time it renders afresh, then keeps it.
    const keepFirst = {
      reportType: 'student',
      classId: 'C1',
      testId: '5',
      studentId: 'S99',
      origin: first.origin,
      force: false,
    };
    const kept = await trigger(keepFirst).expect(202);
    expect(kept.body).toMatchObject({ message: 'PDF generation completed', cached: false });
    expect(await storedText(key)).toContain('Rendered by FIRST');

    const again = await trigger(keepFirst).expect(202);
    expect(again.body).toMatchObject({ message: 'PDF already stored', cached: true });
  });

  it("should not let a trigger join a download's render from another frontend, and store the trigger's last", async () => {
    const teacher = signToken({ role: 'teacher', teacher_id: 'T7', class_ids: ['C1'] });
    const key = 'reports/C1/Test_5/teacher_T7.pdf';
    const download = http()
      .get('/generate-teacher-pdf?testId=5&classId=C1')
      .set('Authorization', `Bearer ${teacher}`)
      .set('Origin', second.origin)
      .buffer(true)
      .parse(binaryParser)
      .then((answer) => answer);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const triggered = await trigger({
      reportType: 'teacher',
      classId: 'C1',
      testId: '5',
      teacherId: 'T7',
      origin: first.origin,
      force: true,
    }).expect(202);
    expect(triggered.body).toMatchObject({ message: 'PDF generation completed', cached: false });
    expect(await storedText(key)).toContain('Rendered by FIRST');
    const downloaded = await download;
    expect(downloaded.status).toBe(200);
    expect(await pdfText(downloaded.body as Buffer)).toContain('Rendered by SECOND');
    expect(await storedText(key)).toContain('Rendered by FIRST');
  });
});
