/**
 * What each part of a slot's isolation costs on the realistic React report page, one part at a time, in
 * one Chromium: each variant has its own page and renders the same reports, and the variants take turns
 * render by render so machine drift hits them alike. Charged to a render is the CPU of this process and its
 * Chromium from the trigger until 500 ms after the PDF. A fresh context per render runs after the others,
 * alone, with 3 s after each: its teardown (a renderer process ending) would otherwise land on its neighbour.
 * Usage: npm run bench:isolation [-- --rounds N] (default 12).
 */
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import { answerShared, assetRequestOf, RenderSlot } from '../src/renderer/render-slot';
import { mayShare, StaticAssetCache } from '../src/renderer/static-asset-cache';
import { signToken } from '../test/support/tokens';
import { startReactReportFrontend } from './fixtures/react-report/react-report-frontend';
import { launchPlainChromium } from './harness/chromium';
import { median } from './harness/load';
import { ProcessTree } from './harness/process-stats';
import { printWhenReady } from './harness/report-print';

const SECRET = 'bench-isolation-secret';
const SETTLE_MS = 500;
const FRESH_SETTLE_MS = 3000;

interface Variant {
  name: string;
  what: string;
  /** Measured after the others, alone. */
  alone: boolean;
  /** Renders one report: navigate, wait for the ready flag, print, then whatever the variant does after. */
  render(url: string, token: string, origin: string): Promise<void>;
  cpu: number;
  ms: number[];
}

/** A page of its own context with the token handed over as the warm page of the bench does it. */
async function warmPage(
  browser: Browser,
  token: string,
  origin: string,
): Promise<{ page: Page; cdp: CDPSession }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  await page.evaluateOnNewDocument((value: string) => localStorage.setItem('token', value), token);
  await page.setCookie({ name: 'jwt', value: token, url: `${origin}/` });
  return { page, cdp: await page.createCDPSession() };
}

/** Every request paused; with `fulfill`, the shared static files answered as the service's slot does (no policy). */
async function pauseRequests(page: Page, assets: StaticAssetCache, intercept: 'continue' | 'fulfill') {
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const asked = assetRequestOf(request);
    if (intercept === 'fulfill' && mayShare(asked, undefined)) {
      void answerShared(request, asked, assets);
      return;
    }
    void request.continue().catch(() => undefined);
  });
}

async function variants(browser: Browser, origin: string, token: string): Promise<Variant[]> {
  const assets = new StaticAssetCache({
    maxBytes: 64 * 1024 * 1024,
    maxEntryBytes: 16 * 1024 * 1024,
    fetchTimeoutMs: 10_000,
  });
  const built: Variant[] = [];
  const add = (name: string, what: string, render: Variant['render'], alone = false) =>
    built.push({ name, what, render, alone, cpu: 0, ms: [] });

  const warm = await warmPage(browser, token, origin);
  add('warm', 'one page, report to report (the limit)', (url) => printWhenReady(warm.page, url));
  const cleared = await warmPage(browser, token, origin);
  add('clear-cache', 'warm + Network.clearBrowserCache after each render', async (url) => {
    await printWhenReady(cleared.page, url);
    await cleared.cdp.send('Network.clearBrowserCache');
  });
  const blank = await warmPage(browser, token, origin);
  add('about-blank', 'warm + a navigation to about:blank after each render', async (url) => {
    await printWhenReady(blank.page, url);
    await blank.page.goto('about:blank');
  });
  const paused = await warmPage(browser, token, origin);
  await pauseRequests(paused.page, assets, 'continue');
  add('intercept', 'warm + every request paused and continued', (url) => printWhenReady(paused.page, url));
  const fulfilled = await warmPage(browser, token, origin);
  await pauseRequests(fulfilled.page, assets, 'fulfill');
  add('fulfill', 'intercept + static files fulfilled from memory', (url) =>
    printWhenReady(fulfilled.page, url),
  );

  const policy = { documentOrigins: new Set([origin]), resourceOrigins: new Set<string>() };
  for (const wipe of ['protocol', 'probe'] as const) {
    const slot = await RenderSlot.open(browser, policy, () => undefined, assets, wipe);
    add(
      `slot-${wipe}`,
      `the service's RenderSlot, RENDER_SLOT_WIPE=${wipe} (all of the above, verified)`,
      async (url, jwt) => {
        slot.startRender();
        await Promise.all([slot.injectToken(jwt, origin), slot.setTokenCookie(jwt, origin)]);
        await printWhenReady(slot.page, url);
        if (!(await slot.wipe())) throw new Error(`the ${wipe} wipe did not verify the slot empty`);
      },
    );
  }
  add(
    'fresh-context',
    'a new incognito context and page per render, closed after',
    async (url, jwt) => {
      const fresh = await warmPage(browser, jwt, origin);
      await printWhenReady(fresh.page, url);
      await fresh.page.browserContext().close();
    },
    true,
  );
  return built;
}

async function main(): Promise<void> {
  const roundsArg = process.argv.indexOf('--rounds');
  const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 12;
  const frontend = await startReactReportFrontend({ jwtSecret: SECRET });
  const browser = await launchPlainChromium();
  const tree = new ProcessTree(process.pid);
  try {
    const token = signToken({ user_type: 'admin', user_id: 'bench', scope: 'report:read' }, SECRET);
    const all = await variants(browser, frontend.origin, token);
    for (const group of [all.filter((v) => !v.alone), all.filter((v) => v.alone)]) {
      for (let round = -2; round < rounds; round += 1) {
        for (const variant of group) {
          const cpu = tree.cpuSeconds();
          const started = performance.now();
          await variant.render(
            `${frontend.origin}/report?studentId=I${round + 2}&testId=Test_1`,
            token,
            frontend.origin,
          );
          const ms = performance.now() - started;
          await new Promise((resolve) => setTimeout(resolve, variant.alone ? FRESH_SETTLE_MS : SETTLE_MS));
          if (round < 0) continue; // warm-up
          variant.cpu += tree.cpuSeconds() - cpu;
          variant.ms.push(ms);
        }
      }
    }
    const limit = all[0].cpu / rounds;
    console.log(`| variant | what | CPU s per render | ratio | median ms |`);
    console.log(`| --- | --- | --- | --- | --- |`);
    for (const variant of all) {
      const cpu = variant.cpu / rounds;
      console.log(
        `| ${variant.name} | ${variant.what} | ${cpu.toFixed(3)} | ${(cpu / limit).toFixed(2)} | ${median(variant.ms).toFixed(0)} |`,
      );
    }
  } finally {
    await browser.close();
    await frontend.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
