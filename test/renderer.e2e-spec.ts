import { Logger, type INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { RenderAbandoned, RenderFailed, RenderQueueFull, ShuttingDown } from '../src/common/domain.errors';
import { PdfRenderer } from '../src/renderer';
import { PuppeteerPdfRenderer, type RenderObserver } from '../src/renderer/puppeteer.renderer';
import {
  startReactReportFrontend,
  type ReactReportFrontend,
} from '../bench/fixtures/react-report/react-report-frontend';
import { liveInGroupsAfterSettling } from './support/processes';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { pdfPageCount, pdfText } from './support/pdf-text';
import { startFsTestApp, testConfig } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

const RENDER_TIMEOUT_MS = 20000;
const SHORT_TIMEOUT_MS = 2000;

function rendererFor(
  frontend: ReportFrontend,
  env: Record<string, string> = {},
  observer?: RenderObserver,
): PuppeteerPdfRenderer {
  const config = testConfig({
    FRONTEND_ORIGINS: frontend.origin,
    DEFAULT_FRONTEND_ORIGIN: frontend.origin,
    RENDER_TIMEOUT_MS: String(RENDER_TIMEOUT_MS),
    ...env,
  });
  return new PuppeteerPdfRenderer(config.renderer, observer);
}

/** Counts what became of each slot after its render: proof that a slot was wiped and reused, not replaced. */
function slotOutcomes(): { observer: RenderObserver; settled: ('reused' | 'closed')[] } {
  const settled: ('reused' | 'closed')[] = [];
  const observer: RenderObserver = {
    rendered: () => undefined,
    failed: () => undefined,
    relaunched: () => undefined,
    blockedRequest: () => undefined,
    assetCache: () => undefined,
    slotSettled: (outcome) => settled.push(outcome),
  };
  return { observer, settled };
}

async function untilSettled(settled: unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (settled.length < count && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

async function failureOf(work: Promise<unknown>): Promise<RenderFailed> {
  try {
    await work;
  } catch (error) {
    if (error instanceof RenderFailed) return error;
    throw error;
  }
  throw new Error('expected the render to fail');
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Live crash handlers: Chromium double-forks them out of its process group. */
function crashHandlers(): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,stat=,comm='], { encoding: 'utf8' });
  return table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, comm]) => comm.startsWith('chrome_crashpad') && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

describe('renderer (e2e, real Chromium)', () => {
  let frontend: ReportFrontend;

  beforeAll(async () => {
    // These tests provoke failures on purpose; their warnings would only bury real CI output.
    Logger.overrideLogger(['error']);
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
  });

  afterAll(async () => {
    await frontend.close();
  });

  describe('rendering', () => {
    let sut: PuppeteerPdfRenderer;

    beforeAll(async () => {
      sut = rendererFor(frontend, { RENDER_CONCURRENCY: '4' });
      await sut.start();
    });

    afterAll(async () => {
      await sut.close();
    });

    it('should return a multi-page PDF naming the subject and the viewer', async () => {
      const token = signToken({ user_id: 'TEACHER_9', role: 'teacher' });
      const pdf = await sut.render({
        url: `${frontend.origin}/report?studentId=STU001&testId=Test_5`,
        token,
        requestId: 'r1',
      });
      expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe('%PDF-');
      const text = await pdfText(pdf);
      expect(text).toContain('Report for STU001');
      expect(text).toContain('Viewer TEACHER_9');
      expect(text).toContain('test Test_5');
      expect(await pdfPageCount(pdf)).toBeGreaterThanOrEqual(2);
    });

    it('should keep 12 concurrent renders with 12 tokens apart, 3 rounds over', async () => {
      for (let round = 0; round < 3; round += 1) {
        const ids = Array.from({ length: 12 }, (_, index) => `S${round}_${index}`);
        const pdfs = await Promise.all(
          ids.map((id) =>
            sut.render({
              url: `${frontend.origin}/student-report?testId=Test_1`,
              token: signToken({ user_id: id, student_id: id, role: 'student' }),
              requestId: id,
            }),
          ),
        );
        const texts = await Promise.all(pdfs.map((pdf) => pdfText(pdf)));
        texts.forEach((text, index) => {
          expect(text).toContain(`Report for ${ids[index]}\n`.trim());
          expect(text).toContain(`Viewer ${ids[index]}`);
          expect(text).toContain('Leftovers: none');
          for (const other of ids.filter((id) => id !== ids[index])) {
            expect(text).not.toMatch(new RegExp(`\\b${other}\\b`));
          }
        });
      }
    });

    /**
     * Renders one job after the other in a single slot with the given wipe; answers each PDF's text and what
     * became of the slot after each render.
     */
    async function inOneSlot(wipe: string, jobs: { url: string; token: string; requestId: string }[]) {
      const { observer, settled } = slotOutcomes();
      const single = rendererFor(frontend, { RENDER_CONCURRENCY: '1', RENDER_SLOT_WIPE: wipe }, observer);
      await single.start();
      try {
        const texts: string[] = [];
        for (const job of jobs) texts.push(await pdfText(await single.render(job)));
        await untilSettled(settled, jobs.length);
        return { texts, settled };
      } finally {
        await single.close();
      }
    }

    it.each(['protocol', 'probe'])(
      'should leave nothing of one render for the next in a reused slot (%s wipe)',
      async (wipe) => {
        const ids = ['SEQ_A', 'SEQ_B', 'SEQ_C', 'SEQ_D'];
        const { texts, settled } = await inOneSlot(
          wipe,
          ids.map((id) => ({
            url: `${frontend.origin}/student-report?testId=Test_1`,
            token: signToken({ user_id: id, student_id: id, role: 'student' }),
            requestId: id,
          })),
        );
        texts.forEach((text, index) => {
          const id = ids[index];
          expect(text).toContain(`Viewer ${id}`);
          expect(text).toContain('Leftovers: none');
          expect(text).not.toMatch(new RegExp(`SEQ_(?!${id.slice(-1)})`));
        });
        // The slot was wiped, verified and reused every time: the isolation above is the wipe's, not a new context's.
        expect(settled).toEqual(['reused', 'reused', 'reused', 'reused']);
      },
    );

    it.each(['protocol', 'probe'])(
      'should leave nothing of what a page writes while it is being left (pagehide, unload, beforeunload; %s wipe)',
      async (wipe) => {
        const viewers = ['LEAVER_A', 'LEAVER_B', 'LEAVER_C', 'LEAVER_D'];
        const { texts, settled } = await inOneSlot(
          wipe,
          viewers.map((viewer) => ({
            url: `${frontend.origin}/report?studentId=UNLOAD_1&testId=Test_1`,
            token: signToken({ user_id: viewer, role: 'teacher' }),
            requestId: viewer,
          })),
        );
        texts.forEach((text, index) => {
          const viewer = viewers[index];
          expect(text).toContain(`Viewer ${viewer}`);
          expect([viewer, /Leftovers: (.*)/.exec(text)?.[1]]).toEqual([viewer, 'none']);
        });
        expect(settled).toEqual(['reused', 'reused', 'reused', 'reused']);
      },
    );

    it('should fail fast with page_error when the page reports an error', async () => {
      const started = Date.now();
      const failure = await failureOf(
        sut.render({
          url: `${frontend.origin}/report?studentId=S1&testId=T`,
          token: 'not-a-jwt',
          requestId: 'r2',
        }),
      );
      expect(failure.reason).toBe('page_error');
      expect(failure.message).toBe('render failed (page_error)');
      expect(failure.detail).toContain('report API answered 401');
      expect(Date.now() - started).toBeLessThan(RENDER_TIMEOUT_MS / 4);
    });

    it('should fail with http_status when the page answers 404', async () => {
      const failure = await failureOf(
        sut.render({
          url: `${frontend.origin}/no-such-page`,
          token: signToken({ sub: 'x' }),
          requestId: 'r3',
        }),
      );
      expect(failure.reason).toBe('http_status');
      expect(failure.detail).toContain('404');
    });

    it('should fail with timeout at RENDER_TIMEOUT_MS when the page never becomes ready', async () => {
      const impatient = rendererFor(frontend, { RENDER_TIMEOUT_MS: String(SHORT_TIMEOUT_MS) });
      await impatient.start();
      try {
        const started = Date.now();
        const failure = await failureOf(
          impatient.render({
            url: `${frontend.origin}/never-ready`,
            token: signToken({ sub: 'x' }),
            requestId: 'r4',
          }),
        );
        const elapsed = Date.now() - started;
        expect(failure.reason).toBe('timeout');
        expect(elapsed).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
        expect(elapsed).toBeLessThan(SHORT_TIMEOUT_MS + 2000);
      } finally {
        await impatient.close();
      }
    });

    it('should refuse a URL outside the allowed frontends without opening it', async () => {
      const failure = await failureOf(
        sut.render({ url: 'http://127.0.0.2:9/report', token: signToken({ sub: 'x' }), requestId: 'r5' }),
      );
      expect(failure.reason).toBe('blocked');
    });
  });

  describe('warm static assets (realistic React page)', () => {
    let react: ReactReportFrontend;

    beforeAll(async () => {
      react = await startReactReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    });

    afterAll(async () => {
      await react.close();
    });

    it('should fetch the bundle and fonts once across 10 renders, and never share a private answer', async () => {
      // One slot: every render reuses the page the previous viewer's render just left.
      const single = rendererFor(react, { RENDER_CONCURRENCY: '1' });
      await single.start();
      try {
        const viewers = Array.from({ length: 10 }, (_, index) => `WARM_T${index}`);
        for (const viewer of viewers) {
          const pdf = await single.render({
            url: `${react.origin}/report?studentId=WARM_S1&testId=Test_2`,
            token: signToken({ user_id: viewer, role: 'teacher' }),
            requestId: viewer,
          });
          const text = await pdfText(pdf);
          expect(text).toContain('Report for WARM_S1');
          // `/api/me` is one URL answered per caller with `private, max-age=600`: each render its own.
          expect(text).toContain(`Signed in as ${viewer}\n`);
          // `/viewer.js` is a script (a type the shared cache considers) answered per caller, `private`.
          expect(text).toContain(`Script viewer ${viewer}\n`);
          expect(text).toContain(`Viewer ${viewer}\n`);
          expect(text).toContain('மாணவர் முன்னேற்ற அறிக்கை');
        }
        const requests = react.requests();
        const count = (path: string) => requests.filter((request) => request.path === path).length;
        for (const asset of react.assets.all)
          expect([asset.path, count(asset.path)]).toEqual([asset.path, 1]);
        expect(react.assets.script.body.length).toBeGreaterThan(500 * 1024);
        expect(count('/api/me')).toBe(10);
        // The page's own ten, plus the one anonymous fetch that found it `private`, so not shareable.
        expect(count('/viewer.js')).toBe(11);
        expect(requests.find((request) => request.path === '/viewer.js')?.cookie).toBeUndefined();
        expect(requests.filter((request) => request.path.startsWith('/report?'))).toHaveLength(10);
        // The one fetch of each shared file was anonymous: nothing personal can be in what is shared.
        for (const asset of react.assets.all) {
          const fetched = requests.find((request) => request.path === asset.path)!;
          expect([fetched.cookie, fetched.authorization]).toEqual([undefined, undefined]);
        }
        // Every identity request did carry its own viewer's cookie.
        const cookies = requests.filter((request) => request.path === '/api/me').map((r) => r.cookie ?? '');
        expect(cookies.every((cookie) => /(^|; )jwt=/.test(cookie))).toBe(true);
      } finally {
        await single.close();
      }
    });
  });

  describe('pdf options', () => {
    it('should add "Page X of Y" footers with PDF_PAGE_NUMBERS=true', async () => {
      const sut = rendererFor(frontend, { PDF_PAGE_NUMBERS: 'true' });
      await sut.start();
      try {
        const pdf = await sut.render({
          url: `${frontend.origin}/report?studentId=PN1&testId=T`,
          token: signToken({ sub: 'x' }),
          requestId: 'p1',
        });
        const text = await pdfText(pdf);
        expect(text).toMatch(/Page 1 of \d+/);
        expect(text).toMatch(/Page 2 of \d+/);
      } finally {
        await sut.close();
      }
    });
  });

  describe('confinement', () => {
    let foreign: ReportFrontend;
    let home: ReportFrontend;
    let sut: PuppeteerPdfRenderer;
    let blocked: number;

    beforeAll(async () => {
      foreign = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
      home = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET, foreignOrigin: foreign.origin });
      blocked = 0;
      const config = testConfig({ FRONTEND_ORIGINS: home.origin, DEFAULT_FRONTEND_ORIGIN: home.origin });
      sut = new PuppeteerPdfRenderer(config.renderer, {
        rendered: () => undefined,
        failed: () => undefined,
        relaunched: () => undefined,
        blockedRequest: () => (blocked += 1),
        assetCache: () => undefined,
        slotSettled: () => undefined,
      });
      await sut.start();
    });

    afterAll(async () => {
      await sut.close();
      await home.close();
      await foreign.close();
    });

    beforeEach(() => foreign.resetCounters());

    it('should fail a render whose page redirects off the allowed frontends, before the request leaves', async () => {
      const failure = await failureOf(
        sut.render({
          url: `${home.origin}/report?studentId=AWAY1&testId=T`,
          token: signToken({ sub: 'x' }),
          requestId: 'c1',
        }),
      );
      expect(failure.reason).toBe('blocked');
      expect(failure.message).toBe('render failed (blocked)');
      expect(foreign.requests()).toEqual([]);
    });

    it('should block what a page loads from another origin (fetch, image, frame) and still render', async () => {
      const before = blocked;
      const pdf = await sut.render({
        url: `${home.origin}/report?studentId=LEAK1&testId=T`,
        token: signToken({ sub: 'x' }),
        requestId: 'c2',
      });
      expect(await pdfText(pdf)).toContain('Report for LEAK1');
      expect(foreign.requests()).toEqual([]);
      expect(blocked - before).toBeGreaterThanOrEqual(3);
    });

    it('should send the jwt cookie with the report page request', async () => {
      home.resetCounters();
      const token = signToken({ sub: 'cookie-check' });
      await sut.render({ url: `${home.origin}/report?studentId=CK1&testId=T`, token, requestId: 'c3' });
      const page = home.requests().find((request) => request.path.startsWith('/report?'));
      expect(page?.cookie).toBe(`jwt=${token}`);
    });

    it('should let API calls reach RENDER_ALLOWED_ORIGINS but never a document from there', async () => {
      const config = testConfig({
        FRONTEND_ORIGINS: home.origin,
        DEFAULT_FRONTEND_ORIGIN: home.origin,
        RENDER_ALLOWED_ORIGINS: foreign.origin,
      });
      const open = new PuppeteerPdfRenderer(config.renderer);
      await open.start();
      try {
        const pdf = await open.render({
          url: `${home.origin}/report?studentId=LEAK2&testId=T`,
          token: signToken({ sub: 'x' }),
          requestId: 'c4',
        });
        expect(await pdfText(pdf)).toContain('Report for LEAK2');
        const paths = foreign.requests().map((request) => request.path.split('?')[0]);
        expect(paths).toContain('/steal');
        expect(paths).toContain('/pixel.png');
        // A frame is a document: only the frontends may provide one.
        expect(paths).not.toContain('/frame');
        const away = await failureOf(
          open.render({
            url: `${home.origin}/report?studentId=AWAY2&testId=T`,
            token: signToken({ sub: 'x' }),
            requestId: 'c5',
          }),
        );
        expect(away.reason).toBe('blocked');
      } finally {
        await open.close();
      }
    });
  });

  describe('abandoned renders', () => {
    it('should drop a queued render whose client left, and stop a running one when asked', async () => {
      const sut = rendererFor(frontend, { RENDER_CONCURRENCY: '1', RENDER_TIMEOUT_MS: '20000' });
      await sut.start();
      try {
        const token = signToken({ sub: 'x' });
        const running = new AbortController();
        const queued = new AbortController();
        const first = sut.render({
          url: `${frontend.origin}/report?studentId=HANG1&testId=T`,
          token,
          requestId: 'a1',
          abandoned: { signal: running.signal, stopRunning: true },
        });
        const second = sut.render({
          url: `${frontend.origin}/report?studentId=HANG2&testId=T`,
          token,
          requestId: 'a2',
          abandoned: { signal: queued.signal, stopRunning: false },
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(sut.status()).toMatchObject({ active: 1, waiting: 1 });
        queued.abort();
        await expect(second).rejects.toBeInstanceOf(RenderAbandoned);
        expect(frontend.apiCalls('HANG2')).toBe(0);
        const started = Date.now();
        running.abort();
        await expect(first).rejects.toBeInstanceOf(RenderAbandoned);
        const pdf = await sut.render({
          url: `${frontend.origin}/report?studentId=NEXT1&testId=T`,
          token,
          requestId: 'a3',
        });
        expect(await pdfText(pdf)).toContain('Report for NEXT1');
        expect(Date.now() - started).toBeLessThan(10000);
      } finally {
        await sut.close();
      }
    });
  });

  describe('bounded queue', () => {
    it('should reject the 4th concurrent render at once with concurrency 1 and queue 2', async () => {
      const sut = rendererFor(frontend, { RENDER_CONCURRENCY: '1', RENDER_QUEUE_LIMIT: '2' });
      await sut.start();
      try {
        const token = signToken({ sub: 'x' });
        const slow = `${frontend.origin}/slow-report?delayMs=400&studentId=Q&testId=T`;
        const accepted = [1, 2, 3].map((n) => sut.render({ url: slow, token, requestId: `q${n}` }));
        const started = Date.now();
        await expect(sut.render({ url: slow, token, requestId: 'q4' })).rejects.toBeInstanceOf(
          RenderQueueFull,
        );
        expect(Date.now() - started).toBeLessThan(100);
        expect(sut.status()).toMatchObject({ active: 1, waiting: 2 });
        await Promise.all(accepted);
      } finally {
        await sut.close();
      }
    });
  });

  describe('self-healing', () => {
    it('should fail the render in flight with browser_crashed after kill -9, and relaunch for the next', async () => {
      const sut = rendererFor(frontend);
      await sut.start();
      try {
        const [pid] = sut.browserPids();
        const token = signToken({ sub: 'x' });
        const inFlight = sut.render({
          url: `${frontend.origin}/slow-report?delayMs=2000&studentId=K&testId=T`,
          token,
          requestId: 'k1',
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        process.kill(pid, 'SIGKILL');
        expect((await failureOf(inFlight)).reason).toBe('browser_crashed');
        const pdf = await sut.render({
          url: `${frontend.origin}/report?studentId=K2&testId=T`,
          token,
          requestId: 'k2',
        });
        expect(await pdfText(pdf)).toContain('Report for K2');
        expect(sut.browserPids()).not.toContain(pid);
        expect(await liveInGroupsAfterSettling([pid])).toEqual([]);
      } finally {
        await sut.close();
      }
    });

    it('should recycle the browser after RENDER_RECYCLE_AFTER renders without failing renders in flight', async () => {
      const sut = rendererFor(frontend, { RENDER_RECYCLE_AFTER: '2', RENDER_CONCURRENCY: '3' });
      await sut.start();
      try {
        const [first] = sut.browserPids();
        const token = signToken({ sub: 'x' });
        const pdfs = await Promise.all(
          ['A', 'B', 'C'].map((id) =>
            sut.render({ url: `${frontend.origin}/report?studentId=${id}&testId=T`, token, requestId: id }),
          ),
        );
        expect(pdfs).toHaveLength(3);
        await waitUntil(() => !sut.browserPids().includes(first), 5000);
        expect(sut.browserPids()).not.toContain(first);
        expect(await liveInGroupsAfterSettling([first])).toEqual([]);
      } finally {
        await sut.close();
      }
    });
  });

  describe('shutdown', () => {
    let removeDir: () => Promise<void>;
    let app: INestApplication;
    let handlersBefore: number[];

    beforeAll(async () => {
      handlersBefore = crashHandlers();
      ({ app, removeDir } = await startFsTestApp(frontend.origin));
    });

    afterAll(async () => {
      await removeDir();
    });

    it('should finish the render in flight, refuse new ones, and leave no Chromium process', async () => {
      const renderer = app.get<PdfRenderer, PuppeteerPdfRenderer>(PdfRenderer);
      const pids = renderer.browserPids();
      expect(pids).toHaveLength(1);
      const token = signToken({ sub: 'x' });
      const inFlight = renderer.render({
        url: `${frontend.origin}/slow-report?delayMs=1000&studentId=Z&testId=T`,
        token,
        requestId: 'z1',
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closing = app.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(
        renderer.render({ url: `${frontend.origin}/report?studentId=Y&testId=T`, token, requestId: 'z2' }),
      ).rejects.toBeInstanceOf(ShuttingDown);
      expect(await pdfText(await inFlight)).toContain('Report for Z');
      await closing;
      expect(await liveInGroupsAfterSettling(pids)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(crashHandlers().filter((pid) => !handlersBefore.includes(pid))).toEqual([]);
    });
  });
});
