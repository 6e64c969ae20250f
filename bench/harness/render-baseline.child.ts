/**
 * The physical limit of a render here: one warm Chromium, each render in a new page of the default context
 * (no isolation), the same token injection and readiness wait as the service, then page.pdf.
 * Protocol: prints {"ready":true}; then for each line {"url","token"} on stdin prints {"ms"}.
 */
import { createInterface } from 'node:readline';
import { launchPlainChromium } from './chromium';

async function main(): Promise<void> {
  const browser = await launchPlainChromium();
  process.once('SIGTERM', () => void browser.close().then(() => process.exit(0)));
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    const { url, token } = JSON.parse(line) as { url: string; token: string };
    const started = performance.now();
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 800 });
    await page.evaluateOnNewDocument((value: string) => localStorage.setItem('token', value), token);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(
      () => {
        const flags = window as unknown as { __PDF_READY__?: unknown; __PDF_ERROR__?: unknown };
        return flags.__PDF_READY__ === true || Boolean(flags.__PDF_ERROR__);
      },
      { polling: 25 },
    );
    await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '20px', right: '20px', bottom: '20px', left: '20px' },
    });
    await page.close();
    console.log(JSON.stringify({ ms: performance.now() - started }));
  }
}

void main();
