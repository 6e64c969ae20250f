import { JwtService } from '@nestjs/jwt';
import { Readable } from 'node:stream';
import { ReportTokens, viewerFromClaims, type Caller } from '../auth';
import {
  Forbidden,
  RenderFailed,
  ReportNotStored,
  StorageObjectNotFound,
  StorageUnavailable,
} from '../common/domain.errors';
import { strictFake } from '../common/strict-fake.testing';
import { KeyLocks } from '../coordination';
import { LocalKeyLocks } from '../coordination/key-locks';
import { LocalPurgeLog } from '../coordination/purge-log';
import type { ReportsConfig } from '../config';
import { ReportMetrics } from '../metrics';
import type { PdfRenderer, RenderJob } from '../renderer';
import type { ReportStorage, StoredObject } from '../storage';
import { RenderBudget } from './render-budget';
import { ReportPageUrls } from './report-page-urls';
import { ReportsService } from './reports.service';
import type { DownloadRequest, TriggerRequest } from './served-report';

const SECRET = 'unit-test-secret';
const FRONTEND = 'https://school.example.com';
const PDF = Buffer.from('%PDF-1.7 fake');
const STORED: StoredObject = { size: 42, etag: '"stored"', lastModified: new Date(0) };

const pages = new ReportPageUrls({
  defaultOrigin: FRONTEND,
  allowedOrigins: [FRONTEND],
  reportPaths: {
    student: '/report?studentId={studentId}&testId={testId}',
    studentSelf: '/student-report?testId={testId}',
    teacher: '/teacher-report?testId={testId}',
    overall: '/report?studentId=overall&testId={testId}',
  },
});
const jwt = new JwtService({ secret: SECRET });
const config: ReportsConfig = {
  maxRendersPerViewer: undefined,
  bulkConcurrency: 2,
  lockWaitMs: 1000,
  renderRatePerMinute: undefined,
  renderRateAdminPerMinute: undefined,
  hitDelivery: 'stream',
  presignTtlSeconds: 60,
};

function caller(claims: Record<string, unknown>): Caller {
  return { viewer: viewerFromClaims(claims), token: `caller-token-${String(claims.user_id)}` };
}
const admin = caller({ role: 'admin', user_id: 'A1' });
const teacherOfC1 = caller({ role: 'teacher', user_id: 'T1', class_ids: ['C1'] });
const unscopedStudent = caller({ role: 'student', user_id: 'S1' });

function download(overrides: Partial<DownloadRequest> = {}): DownloadRequest {
  return {
    kind: 'student',
    classId: 'C1',
    testId: '5',
    studentId: 'S1',
    page: 'student',
    origin: undefined,
    ifNoneMatch: undefined,
    headOnly: false,
    requestId: 'r1',
    route: 'generate-pdf',
    gone: new AbortController().signal,
    ...overrides,
  };
}

function trigger(overrides: Partial<TriggerRequest> = {}): TriggerRequest {
  return {
    reportType: 'student',
    classId: 'C1',
    testId: '5',
    studentId: 'S1',
    requestId: 't1',
    ...overrides,
  };
}

function setup(
  storage: Partial<ReportStorage>,
  renderer: Partial<PdfRenderer>,
  locks: KeyLocks = new LocalKeyLocks(),
  budget = new RenderBudget(undefined, undefined, null),
) {
  const metrics = new ReportMetrics();
  const sut = new ReportsService(
    strictFake<ReportStorage>('storage', { driver: 'fs', ...storage }),
    strictFake<PdfRenderer>('renderer', renderer),
    pages,
    new ReportTokens(jwt, {
      internalToken: 'x'.repeat(32),
      jwtSecret: SECRET,
      reportTokenIssuer: 'iss',
      jwtIssuer: undefined,
      jwtAudience: undefined,
      jwtMaxAgeSeconds: undefined,
    }),
    metrics,
    locks,
    new LocalPurgeLog(),
    budget,
    config,
  );
  const counted = async (series: string) => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  };
  return { sut, counted };
}

const rendering = () => jest.fn((_job: RenderJob) => Promise.resolve(new Uint8Array(PDF)));
const storing = () => jest.fn(() => Promise.resolve({ ...STORED, etag: '"written"' }));

describe(ReportsService.name, () => {
  describe('serve', () => {
    it('should stream a stored PDF (HIT) without rendering', async () => {
      const body = Readable.from([PDF]);
      const { sut, counted } = setup({ open: () => Promise.resolve({ object: STORED, body }) }, {});
      const served = await sut.serve(admin, download());
      expect(served).toMatchObject({ cache: 'HIT', etag: '"stored"', size: 42, notModified: false });
      expect(served.body).toBe(body);
      expect(await counted('pdf_requests_total{route="generate-pdf",cache="hit"}')).toBe(1);
    });

    it('should render canonically and store a MISS the caller may store', async () => {
      const render = rendering();
      const write = storing();
      const { sut } = setup({ open: () => Promise.resolve(null), write }, { render });
      const served = await sut.serve(teacherOfC1, download());
      expect(served).toMatchObject({ cache: 'MISS', etag: '"written"', size: PDF.length });
      expect(write).toHaveBeenCalledWith('reports/C1/Test_5/students/S1.pdf', expect.any(Uint8Array), {
        contentType: 'application/pdf',
        metadata: { 'report-kind': 'student' },
      });
      const job = render.mock.calls[0][0];
      expect(job.url).toBe(`${FRONTEND}/report?studentId=S1&testId=Test_5`);
      expect(job.token).not.toBe(teacherOfC1.token);
      expect(jwt.verify(job.token)).toMatchObject({
        user_type: 'student',
        student_id: 'S1',
        class_id: 'C1',
        test_id: 'Test_5',
        report_type: 'student',
        scope: 'report:read',
      });
    });

    it('should answer a MISS of a class the token does not name as BYPASS, and store nothing', async () => {
      const { sut } = setup({ open: () => Promise.resolve(null) }, { render: rendering() });
      const served = await sut.serve(unscopedStudent, download({ classId: 'OTHER' }));
      expect(served.cache).toBe('BYPASS');
    });

    it('should render a class-less request with the caller token and its page, touching no storage (BYPASS)', async () => {
      const render = rendering();
      const { sut } = setup({}, { render });
      const served = await sut.serve(unscopedStudent, download({ classId: undefined, page: 'studentSelf' }));
      expect(served.cache).toBe('BYPASS');
      expect(render.mock.calls[0][0]).toMatchObject({
        url: `${FRONTEND}/student-report?testId=Test_5`,
        token: unscopedStudent.token,
        abandoned: { stopRunning: true },
      });
    });

    it('should refuse with 403 before storage is touched', async () => {
      const { sut } = setup({}, {});
      await expect(sut.serve(unscopedStudent, download({ studentId: 'S2' }))).rejects.toBeInstanceOf(
        Forbidden,
      );
    });

    it('should treat storage that is down on read as a miss, and count it', async () => {
      const { sut, counted } = setup(
        { open: () => Promise.reject(new StorageUnavailable('read')), write: storing() },
        { render: rendering() },
      );
      await expect(sut.serve(admin, download())).resolves.toMatchObject({ cache: 'MISS' });
      expect(await counted('pdf_storage_errors_total{operation="read"}')).toBe(1);
    });

    it('should still answer the PDF when storage is down on write, and count it', async () => {
      const { sut, counted } = setup(
        { open: () => Promise.resolve(null), write: () => Promise.reject(new StorageUnavailable('write')) },
        { render: rendering() },
      );
      const served = await sut.serve(admin, download());
      expect(served).toMatchObject({ cache: 'MISS', size: PDF.length });
      expect(await counted('pdf_storage_errors_total{operation="write"}')).toBe(1);
    });

    it('should answer HEAD on a report that is not stored with ReportNotStored, without rendering', async () => {
      const { sut } = setup({ stat: () => Promise.resolve(null) }, {});
      await expect(sut.serve(admin, download({ headOnly: true }))).rejects.toBeInstanceOf(ReportNotStored);
      await expect(sut.serve(admin, download({ classId: undefined, headOnly: true }))).rejects.toBeInstanceOf(
        ReportNotStored,
      );
    });

    it('should answer 304 for a matching If-None-Match from the stat alone', async () => {
      const { sut } = setup({ stat: () => Promise.resolve(STORED) }, {});
      await expect(sut.serve(admin, download({ ifNoneMatch: '"stored"' }))).resolves.toMatchObject({
        cache: 'HIT',
        notModified: true,
        body: undefined,
      });
    });

    it('should answer an object deleted between stat and read as not stored', async () => {
      const { sut } = setup(
        {
          stat: () => Promise.resolve(STORED),
          read: () => Promise.reject(new StorageObjectNotFound('reports/C1/Test_5/students/S1.pdf')),
        },
        {},
      );
      await expect(sut.serve(admin, download({ ifNoneMatch: '"older"' }))).rejects.toBeInstanceOf(
        ReportNotStored,
      );
    });
  });

  describe('render budget', () => {
    it('should refuse the render past the budget with 429 and Retry-After, and still serve a HIT', async () => {
      const render = rendering();
      const { sut, counted } = setup(
        {
          open: jest
            .fn()
            .mockResolvedValueOnce(null)
            .mockResolvedValueOnce({ object: STORED, body: Readable.from([PDF]) }),
        },
        { render },
        new LocalKeyLocks(),
        new RenderBudget(1, undefined, null),
      );
      const student = caller({ role: 'student', user_id: 'S1' });
      await sut.serve(student, download({ classId: undefined }));
      await expect(sut.serve(student, download({ classId: 'C9' }))).rejects.toMatchObject({
        code: 'too_many_renders',
        limit: 'rate',
        retryAfterSeconds: expect.any(Number),
      });
      expect(render).toHaveBeenCalledTimes(1);
      await expect(sut.serve(student, download({ classId: 'C9' }))).resolves.toMatchObject({ cache: 'HIT' });
      expect(await counted('pdf_render_rejected_total{reason="rate"}')).toBe(1);
    });

    it('should refuse a bulk whose uncached entries exceed the budget before rendering anything', async () => {
      const { sut } = setup(
        { stat: jest.fn().mockResolvedValueOnce(STORED).mockResolvedValue(null) },
        {},
        new LocalKeyLocks(),
        new RenderBudget(2, undefined, null),
      );
      const request = {
        studentIds: ['S1', 'S2', 'S3', 'S4'],
        testId: '5',
        classId: 'C1',
        origin: undefined,
        ifNoneMatch: undefined,
        headOnly: false,
        requestId: 'b2',
        route: 'generate-bulk-pdf',
        gone: new AbortController().signal,
      };
      await expect(sut.bulk(teacherOfC1, request)).rejects.toMatchObject({
        code: 'too_many_renders',
        limit: 'rate',
      });
    });
  });

  describe('across replicas', () => {
    it('should answer what another replica stored instead of rendering the key again', async () => {
      const held = strictFake<KeyLocks>('locks', {
        tryAcquire: () => Promise.resolve(null),
        waitForRelease: () => Promise.resolve(true),
      });
      const { sut } = setup(
        {
          open: jest
            .fn()
            .mockResolvedValueOnce(null)
            .mockResolvedValueOnce({ object: STORED, body: Readable.from([PDF]) }),
        },
        {},
        held,
      );
      const served = await sut.serve(teacherOfC1, download());
      expect(served).toMatchObject({ cache: 'MISS', etag: '"stored"', size: PDF.length });
    });
  });

  describe('generate', () => {
    it('should share one render between a trigger and a concurrent download MISS of the key', async () => {
      let finish!: (bytes: Uint8Array) => void;
      const render = jest.fn(() => new Promise<Uint8Array>((resolve) => (finish = resolve)));
      const write = storing();
      const { sut } = setup({ open: () => Promise.resolve(null), write }, { render });
      const downloaded = sut.serve(teacherOfC1, download());
      const triggered = sut.generate(trigger());
      await new Promise((resolve) => setImmediate(resolve));
      finish(new Uint8Array(PDF));
      await expect(downloaded).resolves.toMatchObject({ cache: 'MISS' });
      await expect(triggered).resolves.toMatchObject({
        key: 'reports/C1/Test_5/students/S1.pdf',
        cached: false,
      });
      expect(render).toHaveBeenCalledTimes(1);
      expect(write).toHaveBeenCalledTimes(1);
    });

    it('should answer 503 with Retry-After when its PDF could not be stored', async () => {
      const { sut } = setup(
        { write: () => Promise.reject(new StorageUnavailable('write')) },
        { render: rendering() },
      );
      await expect(sut.generate(trigger())).rejects.toMatchObject({
        code: 'storage_unavailable',
        retryAfterSeconds: 30,
      });
    });

    it('should render when force is false and storage is down (a lookup failure is a miss)', async () => {
      const write = storing();
      const { sut } = setup(
        { stat: () => Promise.reject(new StorageUnavailable('stat')), write },
        { render: rendering() },
      );
      await expect(sut.generate(trigger({ force: false }))).resolves.toMatchObject({ cached: false });
      expect(write).toHaveBeenCalledTimes(1);
    });

    it('should keep a stored PDF when force is false', async () => {
      const { sut } = setup({ stat: () => Promise.resolve(STORED) }, {});
      await expect(sut.generate(trigger({ force: false }))).resolves.toMatchObject({
        cached: true,
        bytes: 42,
      });
    });

    it('should store nothing when the render fails', async () => {
      const { sut } = setup({}, { render: () => Promise.reject(new RenderFailed('page_error', 'boom')) });
      await expect(sut.generate(trigger())).rejects.toBeInstanceOf(RenderFailed);
    });
  });

  describe('bulk', () => {
    it('should refuse the whole bulk with 403 before any work when one student is not covered', async () => {
      const { sut } = setup({}, {});
      const request = {
        studentIds: ['S1', 'S2'],
        testId: '5',
        classId: 'C1',
        origin: undefined,
        ifNoneMatch: undefined,
        headOnly: false,
        requestId: 'b1',
        route: 'generate-bulk-pdf',
        gone: new AbortController().signal,
      };
      await expect(sut.bulk(unscopedStudent, request)).rejects.toBeInstanceOf(Forbidden);
    });
  });
});
