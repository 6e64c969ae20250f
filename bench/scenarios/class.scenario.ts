import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../test/support/tokens';
import { startChild } from '../harness/child';
import { median } from '../harness/load';
import type { Figure } from '../harness/results';
import { BENCH_INTERNAL_TOKEN, BENCH_JWT_SECRET, startService } from '../harness/service';
import { frontendEnv, judged, TOOLS, type BenchContext } from './context';

/** Celery workers calling the trigger at once, as the backend does. */
const CALLERS = 8;

interface Report {
  body: Record<string, string>;
  page: string;
  claims: Record<string, string>;
}

/**
 * Pre-generating a class (40 students + 1 teacher + 1 overall) through the internal trigger with concurrent
 * callers, against the old flow reproduced: one render at a time, network idle, 500 ms ready polling.
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
  const dir = await mkdtemp(join(tmpdir(), 'bench-class-'));
  const concurrency = 2;
  const service = await startService({
    STORAGE_DRIVER: 'fs',
    STORAGE_DIR: dir,
    RENDER_CONCURRENCY: String(concurrency),
    ...frontendEnv(context),
  });
  const trigger = async (report: Report, classId: string) => {
    const answer = await fetch(`${service.base}/internal/trigger-generate-pdf`, {
      method: 'POST',
      headers: { 'X-Service-Auth': `Bearer ${BENCH_INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ classId, testId: 'Test_1', ...report.body }),
    });
    if (answer.status !== 202) throw new Error(`trigger answered ${answer.status}: ${await answer.text()}`);
  };
  let oursMs: number;
  let singleMs: number;
  try {
    const singles: number[] = [];
    for (let index = 0; index < (context.smoke ? 1 : 5); index += 1) {
      const started = performance.now();
      await trigger(reports[index % reports.length], 'WARM');
      singles.push(performance.now() - started);
    }
    singleMs = median(singles);
    const queue = [...reports];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let report = queue.shift(); report; report = queue.shift()) await trigger(report, 'CLASS');
      }),
    );
    oursMs = performance.now() - started;
  } finally {
    await service.stop();
  }

  const oldFlow = startChild(`${TOOLS}/old-flow.child.js`);
  let baselineMs: number;
  try {
    await oldFlow.next();
    oldFlow.send({
      jobs: reports.map((report, index) => ({
        url: context.frontend.origin + report.page,
        token: signToken(
          { ...report.claims, class_id: 'CLASS', test_id: 'Test_1', scope: 'report:read' },
          BENCH_JWT_SECRET,
        ),
        file: join(dir, 'old-flow', `${index}.pdf`),
      })),
    });
    baselineMs = (await oldFlow.next<{ ms: number }>()).ms;
  } finally {
    await oldFlow.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const idealMs = (reports.length * singleMs) / concurrency;
  return [
    {
      scenario: 'class',
      metric: `wall s, ${reports.length} PDFs`,
      value: oursMs / 1000,
      limit: baselineMs / 1000,
      ratio: baselineMs / oursMs,
      target: '≥ 3× faster than old flow',
      pass: judged(context, baselineMs / oursMs >= 3),
    },
    {
      scenario: 'class',
      metric: 'wall s vs ideal',
      value: oursMs / 1000,
      limit: idealMs / 1000,
      ratio: oursMs / idealMs,
      target: '≤ 1.3× ideal',
      pass: judged(context, oursMs / idealMs <= 1.3),
    },
    {
      scenario: 'class',
      metric: 'PDFs/s',
      value: reports.length / (oursMs / 1000),
      limit: reports.length / (baselineMs / 1000),
      ratio: baselineMs / oursMs,
      target: 'report',
      pass: null,
    },
  ];
}
