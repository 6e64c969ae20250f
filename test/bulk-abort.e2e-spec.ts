import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportStorage } from '../src/storage';
import { FsReportStorage } from '../src/storage/fs.storage';
import { S3ReportStorage } from '../src/storage/s3.storage';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { startServiceProcess, type ServiceProcess } from './support/processes';
import { s3Env, s3StorageSettings, startS3rver, type TestS3 } from './support/s3rver';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const INTERNAL_TOKEN = 'internal-token-for-the-bulk-abort-suite-0123';
const STUDENTS = Array.from({ length: 60 }, (_, index) => `AB${index}`);
/** Large enough that no stream is read to its end before the client goes. */
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);
const admin = signToken({ role: 'admin', user_id: 'ADMIN' });
/** Idle keep-alive sockets to storage the pool may legitimately keep. */
const SLACK = 8;

const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** A bulk download whose client reads `cutAfter` bytes (or everything) and then goes away. */
function bulk(base: string, cutAfter: number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ studentIds: STUDENTS, testId: '5', classId: 'CAB' });
    const call = request(
      `${base}/generate-bulk-pdf`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${admin}`,
          'Content-Type': 'application/json',
          Connection: 'close',
        },
      },
      (answer) => {
        let read = 0;
        answer.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (cutAfter !== undefined && read >= cutAfter) {
            call.destroy();
            resolve(read);
          }
        });
        answer.on('end', () => resolve(read));
        answer.on('error', () => resolve(read));
      },
    );
    call.on('error', (error) => (cutAfter === undefined ? reject(error) : undefined));
    call.end(body);
  });
}

describe('aborted bulk downloads (e2e: service processes, fs and s3rver)', () => {
  let frontend: ReportFrontend;
  let s3: TestS3;
  let dir: string;

  beforeAll(async () => {
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    s3 = await startS3rver();
    dir = await mkdtemp(join(tmpdir(), 'bulk-abort-'));
  });

  afterAll(async () => {
    await s3.stop();
    await frontend.close();
    await rm(dir, { recursive: true, force: true });
  });

  const drivers: Array<[string, () => { env: Record<string, string>; storage: ReportStorage }]> = [
    ['fs', () => ({ env: { STORAGE_DIR: dir }, storage: new FsReportStorage({ dir }) })],
    ['s3', () => ({ env: s3Env(s3), storage: new S3ReportStorage(s3StorageSettings(s3)) })],
  ];

  it.each(drivers)(
    'should close every stream 40 cut bulks opened (%s driver), with no descriptor left to the collector',
    async (_, setup) => {
      const { env, storage } = setup();
      for (const studentId of STUDENTS) {
        await storage.write(`reports/CAB/Test_5/students/${studentId}.pdf`, PDF, {
          contentType: 'application/pdf',
        });
      }
      (storage as { close?: () => void }).close?.();
      let service: ServiceProcess | undefined;
      try {
        service = await startServiceProcess({
          ...env,
          FRONTEND_ORIGINS: frontend.origin,
          DEFAULT_FRONTEND_ORIGIN: frontend.origin,
          JWT_SECRET: TEST_JWT_SECRET,
          PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
        });
        // One whole bulk first: the storage client's pool and the process settle into their idle shape.
        expect(await bulk(service.base, undefined)).toBeGreaterThan(60 * PDF.length);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const before = openDescriptors(service.pid);
        for (let index = 0; index < 40; index += 1) await bulk(service.base, 1024);
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        expect(openDescriptors(service.pid)).toBeLessThanOrEqual(before + SLACK);
        expect(service.logs.filter((line) => line.includes('DEP0137'))).toEqual([]);
      } finally {
        await service?.stop();
      }
    },
  );
});
