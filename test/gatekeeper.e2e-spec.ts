import type { INestApplication } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { freePort, startServiceProcess, type ServiceProcess } from './support/processes';
import { startFsTestApp } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-gatekeeper-suite-0123';
const MINTED = { scope: 'report:read', class_id: 'C1', test_id: 'Test_5' };

/** Listening TCP sockets of `port` in /proc/net/tcp or tcp6: their local addresses, as the kernel writes them. */
function listeners(table: 'tcp' | 'tcp6', port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync(`/proc/net/${table}`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, local, , state]) => local.endsWith(`:${hexPort}`) && state === '0A')
    .map(([, local]) => local.split(':')[0]);
}

describe('gatekeeper (e2e: report tokens, the listen address)', () => {
  let frontend: ReportFrontend;

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
  });

  afterAll(async () => {
    await frontend.close();
  });

  describe('minted report tokens list nothing', () => {
    let app: INestApplication;
    let removeDir: () => Promise<void>;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      ({ app, removeDir } = await startFsTestApp(frontend.origin, {
        JWT_SECRET: TEST_JWT_SECRET,
        PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      }));
    });

    afterAll(async () => {
      await app.close();
      await removeDir();
    });

    const overall = signToken({
      user_type: 'teacher',
      user_id: 'pdf-service',
      report_type: 'overall',
      ...MINTED,
    });
    const student = signToken({
      user_type: 'student',
      user_id: 'S1',
      student_id: 'S1',
      report_type: 'student',
      ...MINTED,
    });
    const classTest = signToken({ user_type: 'teacher', teacher_id: 'T1', ...MINTED });
    const forbidden = {
      statusCode: 403,
      error: 'Forbidden',
      message: 'a report token opens one report; it lists none',
    };

    it.each([
      ['an overall report token', overall],
      ['a student report token', student],
      ['a class/test report token without a report type', classTest],
    ])('should refuse the class status and the bulk zip to %s', async (_, token) => {
      const status = await http()
        .get('/report-status/class?classId=C1&testId=5')
        .set('Authorization', `Bearer ${token}`)
        .expect(403);
      expect(status.body).toEqual(forbidden);
      const bulk = await http()
        .post('/generate-bulk-pdf')
        .set('Authorization', `Bearer ${token}`)
        .send({ studentIds: ['S1'], testId: '5', classId: 'C1' })
        .expect(403);
      expect(bulk.body).toEqual(forbidden);
    });

    it('should still let a minted token see its own report status, and nothing beside it', async () => {
      await http()
        .get('/report-status?reportType=student&classId=C1&testId=5&studentId=S1')
        .set('Authorization', `Bearer ${student}`)
        .expect(200);
      await http()
        .get('/report-status?reportType=student&classId=C1&testId=5&studentId=S2')
        .set('Authorization', `Bearer ${student}`)
        .expect(403);
      await http()
        .get('/report-status?reportType=overall&classId=C1&testId=5')
        .set('Authorization', `Bearer ${overall}`)
        .expect(200);
    });
  });

  describe('HOST', () => {
    let service: ServiceProcess | undefined;

    afterAll(async () => {
      await service?.stop();
    });

    it('should listen on loopback only with HOST=127.0.0.1', async () => {
      service = await startServiceProcess({
        JWT_SECRET: TEST_JWT_SECRET,
        PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
        FRONTEND_ORIGINS: frontend.origin,
        DEFAULT_FRONTEND_ORIGIN: frontend.origin,
        HOST: '127.0.0.1',
      });
      const port = Number(new URL(service.base).port);
      expect(listeners('tcp', port)).toEqual(['0100007F']);
      expect(listeners('tcp6', port)).toEqual([]);
      await expect(fetch(`http://[::1]:${port}/health/live`)).rejects.toThrow();
      expect((await fetch(`${service.base}/health/live`)).status).toBe(200);
    });

    it('should exit 1 with a line naming HOST when it neither is an address nor resolves', async () => {
      const child = spawn(process.execPath, ['dist/main.js'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: String(await freePort()),
          HOST: 'no-such-host.invalid',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(1);
      expect(stderr).toMatch(/^Invalid configuration: HOST "no-such-host.invalid"/m);
    });
  });
});
