/**
 * The physical limit of a render here: one warm Chromium with N pages that are never closed or wiped (no
 * isolation at all), each navigating from report to report, so the HTTP cache, the compiled bundle and
 * the fonts stay warm; the same token hand-over (localStorage and the `jwt` cookie) and readiness wait as
 * the service, then page.pdf.
 * Protocol: prints {"ready":true}; then for each line {"pages","jobs":[{"url","token"}]} on stdin runs the
 * jobs over that many pages in parallel and prints {"ms","each":[ms per job]}.
 */
import { createInterface } from 'node:readline';
import type { Page } from 'puppeteer-core';
import { launchPlainChromium } from './chromium';
import { printWhenReady } from './report-print';

interface Job {
  url: string;
  token: string;
}

interface WarmPage {
  page: Page;
  token?: string;
  script?: string;
}

async function main(): Promise<void> {
  const browser = await launchPlainChromium();
  process.once('SIGTERM', () => void browser.close().then(() => process.exit(0)));
  const pages: WarmPage[] = [];
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    const { pages: wanted, jobs } = JSON.parse(line) as { pages: number; jobs: Job[] };
    while (pages.length < wanted) {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 800 });
      pages.push({ page });
    }
    const queue = jobs.map((job, index) => ({ job, index }));
    const each: number[] = [];
    const started = performance.now();
    await Promise.all(
      pages.slice(0, wanted).map(async (warm) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const jobStarted = performance.now();
          await render(warm, next.job);
          each[next.index] = performance.now() - jobStarted;
        }
      }),
    );
    console.log(JSON.stringify({ ms: performance.now() - started, each }));
  }
}

async function render(warm: WarmPage, job: Job): Promise<void> {
  const { page } = warm;
  if (warm.token !== job.token) {
    if (warm.script) await page.removeScriptToEvaluateOnNewDocument(warm.script);
    const { identifier } = await page.evaluateOnNewDocument(
      (value: string) => localStorage.setItem('token', value),
      job.token,
    );
    await page.setCookie({ name: 'jwt', value: job.token, url: new URL(job.url).origin + '/' });
    warm.script = identifier;
    warm.token = job.token;
  }
  await printWhenReady(page, job.url);
}

void main();
