/**
 * Renderer throughput: renders per second of the fixture report at concurrency 1, 2 and 4, and the peak
 * resident memory of this process (the service's renderer) plus every Chromium process.
 * Usage: npm run bench:render [-- --renders N]. The full comparison against limits is `npm run bench`.
 */
import { loadServiceConfig } from '../src/config';
import { PuppeteerPdfRenderer } from '../src/renderer/puppeteer.renderer';
import { startReportFrontend } from '../test/fixtures/report-frontend';
import { signToken } from '../test/support/tokens';
import { ProcessTree, peakSampler } from './harness/process-stats';

const SECRET = 'bench-secret';
const CONCURRENCIES = [1, 2, 4];

async function main(): Promise<void> {
  const rendersArg = process.argv.indexOf('--renders');
  const perLevel = rendersArg > 0 ? Number(process.argv[rendersArg + 1]) : 12;
  const frontend = await startReportFrontend({ jwtSecret: SECRET });
  const rows: string[] = [];
  // This process and its Chromium (the renderer runs in-process here).
  const tree = new ProcessTree(process.pid);
  try {
    for (const concurrency of CONCURRENCIES) {
      const { config } = loadServiceConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        FRONTEND_ORIGINS: frontend.origin,
        DEFAULT_FRONTEND_ORIGIN: frontend.origin,
        RENDER_CONCURRENCY: String(concurrency),
      });
      const renderer = new PuppeteerPdfRenderer(config.renderer);
      await renderer.start();
      try {
        const job = (n: number) => ({
          url: `${frontend.origin}/report?studentId=S${n}&testId=Test_1`,
          token: signToken({ user_id: `S${n}`, role: 'student' }, SECRET),
          requestId: `bench-${n}`,
        });
        await Promise.all(Array.from({ length: concurrency }, (_, n) => renderer.render(job(n))));
        const memory = peakSampler(() => tree.memoryBytes());
        const started = performance.now();
        await Promise.all(Array.from({ length: perLevel }, (_, n) => renderer.render(job(n))));
        const seconds = (performance.now() - started) / 1000;
        const peak = memory.stop();
        rows.push(
          `| ${concurrency} | ${perLevel} | ${(perLevel / seconds).toFixed(2)} | ${((seconds * 1000) / perLevel).toFixed(0)} | ${(peak / 2 ** 20).toFixed(0)} |`,
        );
      } finally {
        await renderer.close();
      }
    }
  } finally {
    await frontend.close();
  }
  console.log(
    '| concurrency | renders | renders/s | ms per render (wall) | peak memory service+Chromium (PSS, MiB) |',
  );
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
