/**
 * The old service's behaviour, for the class scenario's baseline: one render at a time, a page per render in
 * one shared context, waiting for network idle, polling the ready flag every 500 ms, then storing the PDF.
 * Protocol: prints {"ready":true}; then one line {"jobs":[{"url","token","file"}]} on stdin; prints {"ms"}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { launchPlainChromium } from './chromium';

async function main(): Promise<void> {
  const browser = await launchPlainChromium();
  process.once('SIGTERM', () => void browser.close().then(() => process.exit(0)));
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    const { jobs } = JSON.parse(line) as { jobs: { url: string; token: string; file: string }[] };
    const started = performance.now();
    for (const job of jobs) {
      const page = await browser.newPage();
      await page.evaluateOnNewDocument((value: string) => localStorage.setItem('token', value), job.token);
      await page.setCookie({ name: 'jwt', value: job.token, url: new URL(job.url).origin + '/' });
      await page.goto(job.url, { waitUntil: 'networkidle0', timeout: 120000 });
      while (
        !(await page.evaluate(
          () => (window as unknown as { __PDF_READY__?: unknown }).__PDF_READY__ === true,
        ))
      ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      mkdirSync(dirname(job.file), { recursive: true });
      writeFileSync(job.file, pdf);
      await page.close();
    }
    console.log(JSON.stringify({ ms: performance.now() - started }));
  }
}

void main();
