/**
 * The README's first command: starts the built service on the fs driver beside the sample report frontend
 * (the test fixture), triggers a few reports the way the Django backend does, downloads one as a HIT and one
 * as a MISS, writes the PDFs to demo-output/, and prints curl commands with development tokens.
 * Usage: npm run demo [-- --once] [-- --port 8080]   (--once: exit after the walk-through)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startReportFrontend } from '../fixtures/report-frontend';
import { signToken } from '../support/tokens';

const JWT_SECRET = 'demo-jwt-secret-only-for-the-local-demo';
const INTERNAL_TOKEN = 'demo-internal-token-only-for-the-local-demo';
const OUTPUT = resolve('demo-output');
const STORAGE = resolve('var/demo-reports');

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

async function waitForReady(base: string, service: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (service.exitCode !== null) throw new Error(`the service exited with ${service.exitCode}`);
    const ready = await fetch(`${base}/health/ready`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error('the service did not become ready within 60 s');
}

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const port = Number(argument('--port') ?? 8080);
  const base = `http://127.0.0.1:${port}`;
  const frontend = await startReportFrontend({ jwtSecret: JWT_SECRET });
  await rm(STORAGE, { recursive: true, force: true });
  await mkdir(OUTPUT, { recursive: true });
  const service = spawn(process.execPath, ['dist/main.js'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PORT: String(port),
      STORAGE_DRIVER: 'fs',
      STORAGE_DIR: STORAGE,
      JWT_SECRET,
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
    },
  });
  const stop = async () => {
    if (service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((done) => service.once('exit', done));
    }
    await frontend.close();
  };
  try {
    await waitForReady(base, service);
    console.log(`\nSample report frontend: ${frontend.origin}`);
    console.log(`PDF service:            ${base}\n`);

    // As the platform issues them: each token names the user's classes (see "Who can open what").
    const teacher = signToken(
      { role: 'teacher', user_id: 'TCH001', teacher_id: 'TCH001', class_ids: ['CLASS_123'] },
      JWT_SECRET,
    );
    const student = signToken(
      { role: 'student', user_id: 'STU003', student_id: 'STU003', class_id: 'CLASS_123' },
      JWT_SECRET,
    );
    const statusOf = async () => {
      const answer = await fetch(
        `${base}/report-status?reportType=student&classId=CLASS_123&testId=Test_5&studentId=STU001`,
        { headers: { Authorization: `Bearer ${teacher}` } },
      );
      return ((await answer.json()) as { status: string }).status;
    };
    console.log(`report-status of STU001 before the trigger: ${await statusOf()}`);

    const reports = [
      { reportType: 'student', studentId: 'STU001' },
      { reportType: 'student', studentId: 'STU002' },
      { reportType: 'teacher', teacherId: 'TCH001' },
      { reportType: 'overall' },
    ];
    for (const report of reports) {
      const answer = await fetch(`${base}/internal/trigger-generate-pdf`, {
        method: 'POST',
        headers: { 'X-Service-Auth': `Bearer ${INTERNAL_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ classId: 'CLASS_123', testId: 'Test_5', ...report }),
      });
      const body = (await answer.json()) as { s3Key?: string; message?: string };
      if (answer.status !== 202) throw new Error(`trigger answered ${answer.status}: ${body.message}`);
      console.log(`triggered ${report.reportType.padEnd(8)} → 202, stored at ${body.s3Key}`);
    }
    console.log(`report-status of STU001 after the trigger:  ${await statusOf()}\n`);

    const downloads = [
      {
        path: '/generate-pdf?studentId=STU001&testId=Test_5&classId=CLASS_123',
        token: teacher,
        expect: 'HIT',
      },
      { path: '/generate-student-pdf?testId=Test_5&classId=CLASS_123', token: student, expect: 'MISS' },
    ];
    for (const download of downloads) {
      const answer = await fetch(base + download.path, {
        headers: { Authorization: `Bearer ${download.token}` },
      });
      const pdf = Buffer.from(await answer.arrayBuffer());
      const cache = answer.headers.get('x-cache');
      if (
        answer.status !== 200 ||
        cache !== download.expect ||
        !pdf.subarray(0, 5).equals(Buffer.from('%PDF-'))
      ) {
        throw new Error(
          `${download.path} answered ${answer.status} ${cache}, expected 200 ${download.expect}`,
        );
      }
      const name =
        /filename="([^"]+)"/.exec(answer.headers.get('content-disposition') ?? '')?.[1] ?? 'report.pdf';
      await writeFile(resolve(OUTPUT, name), pdf);
      console.log(`downloaded ${download.path} → ${cache}, ${pdf.length} bytes → demo-output/${name}`);
    }

    console.log(`\nPDFs written to ${OUTPUT}; stored reports under ${STORAGE}\n`);
    console.log('Try it yourself (development tokens, valid for an hour):');
    // The README's curl lines use these names.
    console.log(`  export USER_JWT='${teacher}' STUDENT_JWT='${student}' SERVICE_TOKEN='${INTERNAL_TOKEN}'`);
    console.log(
      `  curl -o stu001.pdf -D - -H 'Authorization: Bearer ${teacher}' '${base}${downloads[0].path}'`,
    );
    console.log(
      `  curl -X POST ${base}/internal/trigger-generate-pdf -H 'X-Service-Auth: Bearer ${INTERNAL_TOKEN}' ` +
        `-H 'Content-Type: application/json' -d '{"testId":"Test_5","classId":"CLASS_123","reportType":"student","studentId":"STU004"}'`,
    );
    console.log(`  curl ${base}/health`);
    console.log(`  curl ${base}/metrics`);
    if (once) {
      await stop();
      console.log('\ndemo finished (--once)');
      return;
    }
    console.log('\nThe service keeps running; Ctrl-C stops it.');
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await stop();
  } catch (error) {
    await stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
