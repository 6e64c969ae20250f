import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../test/support/tokens';
import { startChild } from '../harness/child';
import type { Figure } from '../harness/results';
import { BENCH_INTERNAL_TOKEN, BENCH_JWT_SECRET, startService } from '../harness/service';
import type { ReportFrontend } from '../../test/fixtures/report-frontend';
import { frontendEnv, judged, TOOLS, type BenchContext } from './context';

/** Celery workers calling the trigger at once, as the backend does. */
const CALLERS = 4;
/** Renders at once, in the service and in the ideal. */
const PAGES = 2;

interface Job {
  url: string;
  token: string;
}

interface Report {
  body: Record<string, string>;
  page: string;
  claims: Record<string, string>;
}

/**
 * Pre-generating a class (40 students + 1 teacher + 1 overall) of the realistic React page through the
 * internal trigger with concurrent callers, against the ideal (two warm pages reused without isolation)
 * and the seed flow reproduced (one render at a time, network idle, 500 ms ready polling).
 */
export async function classScenario(context: BenchContext): Promise<Figure[]> {
  const students = context.smoke ? 2 : 40;
  const reports: Report[] = [
    ...Array.from({ length: students }, (_, index) => ({
      body: { reportType: 'student', studentId: `S${index}` },
      page: `/report?studentId=S${index}&testId=Test_1`,
      claims: { user_type: 'student', student_id: `S${index}`, user_id: `S${index}` },
    })),
    {
      body: { reportType: 'teacher', teacherId: 'T1' },
      page: '/teacher-report?testId=Test_1',
      claims: { user_type: 'teacher', teacher_id: 'T1', user_id: 'T1' },
    },
    {
      body: { reportType: 'overall' },
      page: '/report?studentId=overall&testId=Test_1',
      claims: { user_type: 'admin', user_id: 'svc' },
    },
  ];
  const frontend = context.realistic;
  const jobs = reports.map((report) => ({
    url: frontend.origin + report.page,
    token: signToken(
      { ...report.claims, class_id: 'CLASS', test_id: 'Test_1', scope: 'report:read' },
      BENCH_JWT_SECRET,
    ),
  }));
  const dir = await mkdtemp(join(tmpdir(), 'bench-class-'));
  try {
    const oursMs = await throughService(reports, frontend, dir);
    const idealMs = await throughWarmPages(jobs);
    const seedMs = await throughSeedFlow(jobs, dir);
    return [
      {
        scenario: 'class',
        metric: `wall s, ${reports.length} PDFs, realistic page`,
        value: oursMs / 1000,
        limit: seedMs / 1000,
        ratio: seedMs / oursMs,
        target: '≥ 4× faster than the seed flow',
        pass: judged(context, seedMs / oursMs >= 4),
      },
      {
        scenario: 'class',
        metric: 'wall s vs ideal (two warm reused pages)',
        value: oursMs / 1000,
        limit: idealMs / 1000,
        ratio: oursMs / idealMs,
        target: '≤ 1.15× ideal',
        pass: judged(context, oursMs / idealMs <= 1.15),
      },
      {
        scenario: 'class',
        metric: 'PDFs/s',
        value: reports.length / (oursMs / 1000),
        limit: reports.length / (seedMs / 1000),
        ratio: seedMs / oursMs,
        target: 'report',
        pass: null,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every report through the internal trigger, CALLERS at a time, after one warm-up render. */
async function throughService(reports: Report[], frontend: ReportFrontend, dir: string): Promise<number> {
  const service = await startService({
    STORAGE_DRIVER: 'fs',
    STORAGE_DIR: dir,
    RENDER_CONCURRENCY: String(PAGES),
    ...frontendEnv(frontend),
  });
  const trigger = async (report: Report, classId: string) => {
    const answer = await fetch(`${service.base}/internal/trigger-generate-pdf`, {
      method: 'POST',
      headers: { 'X-Service-Auth': `Bearer ${BENCH_INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ classId, testId: 'Test_1', ...report.body }),
    });
    if (answer.status !== 202) throw new Error(`trigger answered ${answer.status}: ${await answer.text()}`);
  };
  try {
    await Promise.all(reports.slice(0, PAGES).map((report) => trigger(report, 'WARM')));
    const queue = [...reports];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let report = queue.shift(); report; report = queue.shift()) await trigger(report, 'CLASS');
      }),
    );
    return performance.now() - started;
  } finally {
    await service.stop();
  }
}

/** The ideal: PAGES warm pages reused from report to report, no isolation, after one warm-up render each. */
async function throughWarmPages(jobs: Job[]): Promise<number> {
  const warm = startChild(`${TOOLS}/warm-pages.child.js`);
  try {
    await warm.next();
    warm.send({ pages: PAGES, jobs: jobs.slice(0, PAGES) });
    await warm.next();
    warm.send({ pages: PAGES, jobs });
    return (await warm.next<{ ms: number }>()).ms;
  } finally {
    await warm.stop();
  }
}

async function throughSeedFlow(jobs: Job[], dir: string): Promise<number> {
  const oldFlow = startChild(`${TOOLS}/old-flow.child.js`);
  try {
    await oldFlow.next();
    oldFlow.send({
      jobs: jobs.map((job, index) => ({ ...job, file: join(dir, 'old-flow', `${index}.pdf`) })),
    });
    return (await oldFlow.next<{ ms: number }>()).ms;
  } finally {
    await oldFlow.stop();
  }
}
