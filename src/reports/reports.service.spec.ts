import { JwtService } from '@nestjs/jwt';
import { Readable } from 'node:stream';
import { ReportTokens, viewerFromClaims, type Caller } from '../auth';
import { Forbidden, RenderFailed, ReportNotStored } from '../common/domain.errors';
import { strictFake } from '../common/strict-fake.testing';
import type { ReportsConfig } from '../config';
import type { PdfRenderer, RenderJob } from '../renderer';
import type { ReportCache, RenderWork, StoredReport } from '../report-cache';
import { ReportPageUrls } from './report-page-urls';
import type { CacheResult, ReportsMetrics } from './reports.metrics';
import { ReportsService } from './reports.service';
import type { BulkEntry, BulkRequest, DownloadRequest, TriggerRequest } from './served-report';
import type { ViewerRenders } from './viewer-renders';

const SECRET = 'unit-test-secret';
const FRONTEND = 'https://school.example.com';
const KEY = 'reports/C1/Test_5/students/S1.pdf';
const PDF = Buffer.from('%PDF-1.7 fake');
const STORED: StoredReport = {
  size: 42,
  etag: '"stored"',
  lastModified: new Date(0),
  metadata: {},
  origin: FRONTEND,
  body: undefined,
};

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
const tokens = new ReportTokens(jwt, {
  internalToken: 'x'.repeat(32),
  jwtSecret: SECRET,
  reportTokenIssuer: 'iss',
  jwtIssuer: undefined,
  jwtAudience: undefined,
  jwtMaxAgeSeconds: undefined,
});
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

/** Every decision the service counted, in order. */
function tallied(): { tally: (cache: CacheResult) => void; counted: CacheResult[] } {
  const counted: CacheResult[] = [];
  return { tally: (cache) => counted.push(cache), counted };
}

function download(overrides: Partial<DownloadRequest> = {}): DownloadRequest {
  return {
    kind: 'student',
    classId: 'C1',
    testId: '5',
    studentId: 'S1',
    page: 'student',
    origin: undefined,
    storedOnly: false,
    wantsBody: () => true,
    requestId: 'r1',
    tally: () => undefined,
    gone: new AbortController().signal,
    ...overrides,
  };
}

function bulkRequest(studentIds: string[], overrides: Partial<BulkRequest> = {}): BulkRequest {
  return {
    studentIds,
    testId: '5',
    classId: 'C1',
    origin: undefined,
    requestId: 'b1',
    tally: () => undefined,
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

/** Runs the render it is given, as the cache would, and answers it as stored. */
function producing(outcome: 'stored' | 'not_stored' | 'store_failed' | 'purged' = 'stored') {
  return jest.fn(async (_key: string, _origin: string, _demand: unknown, work: RenderWork) => {
    const bytes = await work(new AbortController().signal);
    return { bytes, etag: '"written"', outcome };
  });
}

const rendering = () => jest.fn((_job: RenderJob) => Promise.resolve(new Uint8Array(PDF)));

/** Viewer renders that let everything through (their limits have their own spec). */
const unlimited = strictFake<ViewerRenders>('viewerRenders', {
  run: (_viewer, work) => work(),
  assertRoomFor: () => Promise.resolve(),
});

function setup(
  cache: Partial<ReportCache>,
  renderer: Partial<PdfRenderer> = {},
  options: { viewerRenders?: ViewerRenders; config?: Partial<ReportsConfig> } = {},
) {
  const routes: string[] = [];
  const metrics = strictFake<ReportsMetrics>('metrics', {
    tally: (route) => {
      routes.push(route);
      return () => undefined;
    },
  });
  const sut = new ReportsService(
    strictFake<ReportCache>('cache', cache),
    strictFake<PdfRenderer>('renderer', renderer),
    pages,
    tokens,
    options.viewerRenders ?? unlimited,
    metrics,
    { ...config, ...options.config },
  );
  return { sut, routes };
}

describe(ReportsService.name, () => {
  describe('serve', () => {
    it('should stream a stored PDF (HIT) without rendering, and count a hit', async () => {
      const body = Readable.from([PDF]);
      const { sut } = setup({ lookup: () => Promise.resolve({ ...STORED, body }) });
      const { tally, counted } = tallied();
      const served = await sut.serve(admin, download({ tally }));
      expect(served).toEqual({
        cache: 'HIT',
        filename: 'report_S1_Test_5.pdf',
        etag: '"stored"',
        size: 42,
        body,
      });
      expect(counted).toEqual(['hit']);
    });

    it('should render canonically and answer MISS when the caller may store', async () => {
      const render = rendering();
      const produce = producing();
      const { sut } = setup({ lookup: () => Promise.resolve(null), produce }, { render });
      const { tally, counted } = tallied();
      const served = await sut.serve(teacherOfC1, download({ tally }));
      expect(served).toMatchObject({ cache: 'MISS', etag: '"written"', size: PDF.length });
      expect(counted).toEqual(['miss']);
      expect(produce).toHaveBeenCalledWith(
        KEY,
        FRONTEND,
        expect.objectContaining({ store: true }),
        expect.any(Function),
        {
          'report-kind': 'student',
        },
      );
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

    it.each([
      ['not_stored', 'BYPASS'],
      ['purged', 'BYPASS'],
      ['store_failed', 'MISS'],
    ] as const)('should answer a produce outcome %s as %s', async (outcome, cache) => {
      const { sut } = setup(
        { lookup: () => Promise.resolve(null), produce: producing(outcome) },
        { render: rendering() },
      );
      await expect(sut.serve(admin, download())).resolves.toMatchObject({ cache });
    });

    it('should ask the cache not to store a MISS of a class the token does not name, and count a bypass', async () => {
      const produce = producing('not_stored');
      const { sut } = setup({ lookup: () => Promise.resolve(null), produce }, { render: rendering() });
      const { tally, counted } = tallied();
      const served = await sut.serve(unscopedStudent, download({ classId: 'OTHER', tally }));
      expect(served.cache).toBe('BYPASS');
      expect(produce.mock.calls[0][2]).toMatchObject({ store: false });
      expect(counted).toEqual(['bypass']);
    });

    it('should render a class-less request with the caller token and its page, never asking the cache (BYPASS)', async () => {
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

    it('should refuse with 403 before the cache is asked', async () => {
      const { sut } = setup({});
      await expect(sut.serve(unscopedStudent, download({ studentId: 'S2' }))).rejects.toBeInstanceOf(
        Forbidden,
      );
    });

    it('should answer a stored-only request for a report that is not stored with ReportNotStored, without rendering', async () => {
      const { sut } = setup({ lookup: () => Promise.resolve(null) });
      await expect(sut.serve(admin, download({ storedOnly: true }))).rejects.toBeInstanceOf(ReportNotStored);
      await expect(
        sut.serve(admin, download({ classId: undefined, storedOnly: true })),
      ).rejects.toBeInstanceOf(ReportNotStored);
    });

    it('should answer a version the caller holds from the facts alone, with no body', async () => {
      const lookup = jest.fn(() => Promise.resolve(STORED));
      const { sut } = setup({ lookup });
      const served = await sut.serve(
        admin,
        download({ storedOnly: true, wantsBody: (etag) => etag !== '"stored"' }),
      );
      expect(served).toMatchObject({ cache: 'HIT', etag: '"stored"', body: undefined });
      expect(lookup).toHaveBeenCalledWith(KEY, 'facts');
    });

    it('should answer an object gone between the lookup and the read as not stored', async () => {
      const { sut } = setup({ lookup: () => Promise.resolve(STORED), read: () => Promise.resolve(null) });
      await expect(sut.serve(admin, download({ storedOnly: true }))).rejects.toBeInstanceOf(ReportNotStored);
    });

    it('should answer a presigned redirect in redirect mode, after the access check', async () => {
      const presign = jest.fn(() => Promise.resolve('https://s3.example/signed'));
      const { sut } = setup(
        { lookup: () => Promise.resolve(STORED), presign },
        {},
        { config: { hitDelivery: 'redirect' } },
      );
      await expect(sut.serve(admin, download())).resolves.toMatchObject({
        cache: 'HIT',
        redirect: 'https://s3.example/signed',
      });
      expect(presign).toHaveBeenCalledWith(KEY, 'report_S1_Test_5.pdf', 60);
    });
  });

  describe('bulk', () => {
    it('should refuse the whole bulk with 403 before any work when one student is not covered', async () => {
      const { sut } = setup({});
      await expect(sut.bulk(unscopedStudent, bulkRequest(['S1', 'S2']))).rejects.toBeInstanceOf(Forbidden);
    });

    it('should give stored entries from the cache and render the rest, counting each', async () => {
      const { sut } = setup(
        {
          isStored: (key) => Promise.resolve(key.endsWith('S1.pdf')),
          lookup: (key) =>
            Promise.resolve(key.endsWith('S1.pdf') ? { ...STORED, body: Readable.from([PDF]) } : null),
          produce: producing(),
        },
        { render: rendering() },
      );
      const { tally, counted } = tallied();
      const entries: BulkEntry[] = [];
      for await (const entry of await sut.bulk(teacherOfC1, bulkRequest(['S1', 'S2'], { tally })))
        entries.push(entry);
      expect(
        entries
          .map(({ studentId, status }) => ({ studentId, status }))
          .sort((a, b) => a.studentId.localeCompare(b.studentId)),
      ).toEqual([
        { studentId: 'S1', status: 'cached' },
        { studentId: 'S2', status: 'rendered' },
      ]);
      expect(counted.sort()).toEqual(['hit', 'miss']);
    });

    it('should name a failed render in its entry instead of failing the bulk', async () => {
      const { sut } = setup(
        {
          lookup: () => Promise.resolve(null),
          produce: () => Promise.reject(new RenderFailed('page_error', 'boom')),
        },
        {},
      );
      const entries: BulkEntry[] = [];
      for await (const entry of await sut.bulk(teacherOfC1, bulkRequest(['S1']))) entries.push(entry);
      expect(entries).toEqual([{ studentId: 'S1', status: 'failed', error: expect.any(String) }]);
    });
  });

  describe('generate', () => {
    it('should render and store, counting under internal-trigger', async () => {
      const { sut, routes } = setup({ produce: producing() }, { render: rendering() });
      await expect(sut.generate(trigger())).resolves.toMatchObject({
        key: KEY,
        cached: false,
        bytes: PDF.length,
      });
      expect(routes).toEqual(['internal-trigger']);
    });

    it('should count batch items under internal-batch and render them at batch priority', async () => {
      const render = rendering();
      const { sut, routes } = setup({ produce: producing() }, { render });
      await sut.generate(trigger(), 'batch');
      expect(routes).toEqual(['internal-batch']);
      expect(render.mock.calls[0][0].priority).toBe('batch');
    });

    it('should answer 409 when the report was purged while it rendered', async () => {
      const { sut } = setup({ produce: producing('purged') }, { render: rendering() });
      await expect(sut.generate(trigger())).rejects.toMatchObject({ code: 'conflict' });
    });

    it('should answer 503 with Retry-After when its PDF could not be stored', async () => {
      const { sut } = setup({ produce: producing('store_failed') }, { render: rendering() });
      await expect(sut.generate(trigger())).rejects.toMatchObject({
        code: 'storage_unavailable',
        retryAfterSeconds: 30,
      });
    });

    it('should render afresh with force false when the stored PDF came from another frontend', async () => {
      const { sut } = setup(
        {
          lookup: () => Promise.resolve({ ...STORED, origin: 'https://other.example.com' }),
          produce: producing(),
        },
        { render: rendering() },
      );
      await expect(sut.generate(trigger({ force: false }))).resolves.toMatchObject({ cached: false });
    });

    it('should keep a stored PDF when force is false', async () => {
      const { sut } = setup({ lookup: () => Promise.resolve(STORED) });
      await expect(sut.generate(trigger({ force: false }))).resolves.toMatchObject({
        cached: true,
        bytes: 42,
      });
    });

    it('should refuse an origin that is not an allowed frontend (400 naming origin)', async () => {
      const { sut } = setup({});
      await expect(sut.generate(trigger({ origin: 'https://evil.example.com' }))).rejects.toMatchObject({
        code: 'invalid_input',
        field: 'origin',
      });
    });

    it('should pass the backend report token to the render instead of minting one', async () => {
      const render = rendering();
      const reportToken = tokens.mint({ kind: 'student', classId: 'C1', testId: 'Test_5', studentId: 'S1' });
      const { sut } = setup({ produce: producing() }, { render });
      await sut.generate(trigger({ reportToken }));
      expect(render.mock.calls[0][0].token).toBe(reportToken);
    });
  });

  describe('purge', () => {
    it('should purge the scope through the cache', async () => {
      const { sut } = setup({ purge: (scope) => Promise.resolve(scope === 'reports/C1/' ? 3 : 0) });
      await expect(sut.purge('reports/C1/')).resolves.toBe(3);
    });
  });
});
