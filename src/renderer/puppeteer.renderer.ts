import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TimeoutError, type Browser, type ConsoleMessage, type HTTPRequest, type Page } from 'puppeteer-core';
import { RenderAbandoned, RenderFailed, ShuttingDown } from '../common/domain.errors';
import { within } from '../common/within';
import type { RendererConfig } from '../config';
import { ChromiumSupervisor } from './chromium.supervisor';
import { PdfRenderer, type RendererStatus, type RenderJob } from './pdf-renderer';
import { RenderQueue } from './render-queue';
import { RenderSlot, type BlockedRequest, type NetworkPolicy } from './render-slot';
import { SetUpGate } from './set-up-gate';
import { SlotPool } from './slot-pool';
import { StaticAssetCache, type AssetOutcome } from './static-asset-cache';
import { inSpan, startSpan } from '../telemetry/spans';

const READY_POLL_MS = 25;
/** PDF_PAGE_NUMBERS: Chromium fills the page number classes. */
const PAGE_NUMBER_FOOTER =
  '<div style="font-size:8px;width:100%;text-align:center;color:#555">' +
  'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>';
const MAX_ERROR_DETAIL = 200;
/** A slot is replaced by a fresh context after this many renders, bounding what a long-lived page accumulates. */
const MAX_RENDERS_PER_SLOT = 50;
/** A wipe that hangs must not hold its slot (and the renders waiting for it) forever. */
const WIPE_TIMEOUT_MS = 10000;
/** The longest a wipe yields to renders setting up (a render's set-up takes about 20 ms). */
const WIPE_YIELD_MS = 250;
/** How long a finished render's slot waits before its wipe, for a render that follows at once. */
const WIPE_DELAY_MS = 30;
/** A single static file larger than this is left to the page (a 16 MB bundle is already unusual). */
const MAX_SHARED_ASSET_BYTES = 16 * 1024 * 1024;

/** What a render reports to metrics. */
export interface RenderObserver {
  rendered(durationMs: number): void;
  failed(reason: RenderFailed['reason']): void;
  relaunched(): void;
  blockedRequest(): void;
  assetCache(outcome: AssetOutcome): void;
  /** After each render: the slot was wiped and verified (`reused`) or closed instead (`closed`). */
  slotSettled(outcome: 'reused' | 'closed'): void;
}

const NO_OBSERVER: RenderObserver = {
  rendered: () => undefined,
  failed: () => undefined,
  relaunched: () => undefined,
  blockedRequest: () => undefined,
  assetCache: () => undefined,
  slotSettled: () => undefined,
};

/**
 * Renders in one supervised Chromium. Every render runs alone in an incognito browser context (a
 * `RenderSlot`), so no two renders share localStorage or cookies and one user's token can never render
 * another's report. A slot serves again only after a successful render and a verified wipe; after any
 * failure it is closed.
 */
export class PuppeteerPdfRenderer
  extends PdfRenderer
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(PuppeteerPdfRenderer.name);
  private readonly queue: RenderQueue;
  private readonly slots: SlotPool<RenderSlot>;
  private readonly setUp = new SetUpGate();
  private readonly supervisor: ChromiumSupervisor;
  private readonly policy: NetworkPolicy;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private closing = false;

  constructor(
    private readonly config: RendererConfig,
    private readonly observer: RenderObserver = NO_OBSERVER,
  ) {
    super();
    this.queue = new RenderQueue(config.concurrency, config.queueLimit);
    this.policy = {
      documentOrigins: new Set(config.documentOrigins),
      resourceOrigins: new Set(config.resourceOrigins),
    };
    const assets = new StaticAssetCache(
      {
        maxBytes: config.assetCacheBytes,
        maxEntryBytes: Math.min(MAX_SHARED_ASSET_BYTES, config.assetCacheBytes),
        fetchTimeoutMs: config.timeoutMs,
      },
      (outcome) => observer.assetCache(outcome),
    );
    this.slots = new SlotPool(config.concurrency, (browser) =>
      RenderSlot.open(browser, this.policy, (blocked) => this.onBlocked(blocked), assets, config.slotWipe),
    );
    this.supervisor = new ChromiumSupervisor(
      { executablePath: config.chromePath, recycleAfter: config.recycleAfter, sandbox: config.sandbox },
      () => observer.relaunched(),
    );
  }

  /** Chromium starts with the app, so a broken browser fails the start, not the first download. */
  async onApplicationBootstrap(): Promise<void> {
    // However the process ends, its Chromium ends with it ('exit' listeners run synchronously).
    process.once('exit', this.killOnExit);
    await this.start();
  }

  /** Renders in flight finish (up to SHUTDOWN_GRACE_MS) before the app closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain(this.config.shutdownGraceMs);
  }

  /** Last: no Chromium process outlives the service. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async start(): Promise<void> {
    await this.supervisor.start();
  }

  status(): RendererStatus {
    return { connected: this.supervisor.connected, ...this.queue.load };
  }

  /** Chromium main-process pids (tests check that none outlives the service). */
  browserPids(): number[] {
    return this.supervisor.pids();
  }

  async render(job: RenderJob): Promise<Uint8Array> {
    if (this.closing) throw new ShuttingDown();
    const origin = this.allowedOrigin(job.url);
    this.inFlight += 1;
    const waiting = startSpan('render.queue', { 'render.priority': job.priority ?? 'interactive' });
    try {
      return await this.queue.run(
        () => {
          waiting.end();
          return this.renderNow(job, origin);
        },
        job.abandoned?.signal,
        job.priority,
      );
    } finally {
      if (waiting.isRecording()) waiting.end();
      this.inFlight -= 1;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  /** Stops taking renders and waits up to `graceMs` for those in flight. */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.inFlight === 0) return;
    await within(new Promise<void>((resolve) => (this.drained = resolve)), graceMs, () => undefined);
    if (this.inFlight > 0)
      this.logger.warn(`${this.inFlight} render(s) still running after ${graceMs} ms grace`);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.supervisor.close();
    process.removeListener('exit', this.killOnExit);
  }

  private readonly killOnExit = (): void => this.supervisor.killNow();

  /** The caller builds only allowed URLs; this is the renderer's own check that it did. */
  private allowedOrigin(url: string): string {
    const origin = URL.canParse(url) ? new URL(url).origin : undefined;
    if (origin === undefined || !this.policy.documentOrigins.has(origin)) {
      this.observer.failed('blocked');
      throw new RenderFailed('blocked', `${url} is not on an allowed frontend origin`);
    }
    return origin;
  }

  private onBlocked(blocked: BlockedRequest): void {
    this.observer.blockedRequest();
    this.logger.debug({ url: blocked.url, navigation: blocked.navigation }, 'request blocked');
  }

  private async renderNow(job: RenderJob, origin: string): Promise<Uint8Array> {
    const started = performance.now();
    const lease = await this.supervisor.lease();
    let slot: RenderSlot | undefined;
    let succeeded = false;
    const deadline = Date.now() + this.config.timeoutMs;
    try {
      slot = await this.slots.acquire(lease.browser);
      const work = this.renderInSlot(slot, job, origin, deadline, this.setUp.enter());
      // On timeout or abandonment the slot is closed below, which cancels whatever the work was waiting on.
      work.catch(() => undefined);
      const stop = job.abandoned?.stopRunning ? job.abandoned.signal : undefined;
      const pdf = await within(untilAbandoned(work, stop), this.config.timeoutMs, () => {
        throw new RenderFailed('timeout', `page not ready within ${this.config.timeoutMs} ms`);
      });
      succeeded = true;
      this.observer.rendered(performance.now() - started);
      return pdf;
    } catch (error) {
      if (error instanceof RenderAbandoned) {
        this.logger.debug({ renderId: job.requestId }, 'render stopped: its client went away');
        throw error;
      }
      const failure = classify(error, lease.browser, slot, this.config.timeoutMs);
      this.observer.failed(failure.reason);
      this.logger.warn(
        { renderId: job.requestId, reason: failure.reason, url: job.url, detail: failure.detail },
        failure.message,
      );
      throw failure;
    } finally {
      // The answer does not wait for the clean-up; the browser lease is held until the slot is settled.
      void this.settle(slot, succeeded).finally(() => lease.release());
    }
  }

  /** Returns a slot to the pool only when its render succeeded and the wipe verified it empty. */
  private async settle(slot: RenderSlot | undefined, succeeded: boolean): Promise<void> {
    if (!slot) return;
    try {
      const reusable =
        succeeded &&
        !this.closing &&
        slot.renders < MAX_RENDERS_PER_SLOT &&
        slot.browser.connected &&
        (await this.wipeWhenQuiet(slot));
      if (reusable) {
        this.observer.slotSettled('reused');
        this.slots.release(slot);
        return;
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'slot wipe failed; closing the slot');
    }
    this.observer.slotSettled('closed');
    await slot.close().catch((error: unknown) => this.logger.debug({ err: error }, 'slot close failed'));
    this.slots.forget(slot.browser);
  }

  /**
   * Wipes a slot, after the renders that are starting have sent their page request when another slot is free
   * for them. A trigger sent as soon as the previous answer came arrives within a few ms: the pause lets it
   * take the browser first (back-to-back set-up went from 64 to 20 ms in the render bench, the same as
   * renders spaced apart). When every other slot is busy, renders wait for this one: it is wiped at once.
   */
  private async wipeWhenQuiet(slot: RenderSlot): Promise<boolean> {
    if (this.slots.hasRoom()) {
      await new Promise((resolve) => setTimeout(resolve, WIPE_DELAY_MS));
      await this.setUp.idle(WIPE_YIELD_MS);
    }
    return within(slot.wipe(), WIPE_TIMEOUT_MS, () => false);
  }

  private async renderInSlot(
    slot: RenderSlot,
    job: RenderJob,
    origin: string,
    deadline: number,
    setUpDone: () => void,
  ): Promise<Uint8Array> {
    const remaining = () => Math.max(1, deadline - Date.now());
    const page = slot.page;
    const documentRequested = (request: HTTPRequest) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) setUpDone();
    };
    page.on('request', documentRequested);
    slot.renders += 1;
    slot.startRender();
    const stopLogging = this.logPageTrouble(page, job.requestId);
    try {
      // Independent protocol calls: one round trip instead of two before the page is opened.
      await Promise.all([slot.injectToken(job.token, origin), slot.setTokenCookie(job.token, origin)]);
      // Classified inside the span, so a failed page carries its reason (navigation, blocked, timeout, ...).
      await inSpan('render.page', { 'url.path': new URL(job.url).pathname }, () =>
        this.openUntilReady(page, job, remaining).catch((error: unknown) => {
          throw classify(error, slot.browser, slot, this.config.timeoutMs);
        }),
      );
      // The PDF's Title comes from the document's title; a page without one gets the report's name.
      if (job.title !== undefined) {
        await page.evaluate((title: string) => {
          if (document.title.trim() === '') document.title = title;
        }, job.title);
      }
      const options = this.config.pdf;
      const pdf = await inSpan('render.pdf', { 'pdf.format': options.format }, () =>
        page.pdf({
          format: options.format,
          preferCSSPageSize: true,
          printBackground: options.printBackground,
          tagged: options.tagged,
          outline: options.outline,
          displayHeaderFooter: options.pageNumbers,
          headerTemplate: '<span></span>',
          footerTemplate: PAGE_NUMBER_FOOTER,
          margin: { top: '20px', right: '20px', bottom: options.pageNumbers ? '36px' : '20px', left: '20px' },
          timeout: remaining(),
        }),
      );
      if (!Buffer.from(pdf.subarray(0, 5)).equals(Buffer.from('%PDF-'))) {
        throw new RenderFailed('page_error', 'Chromium returned something that is not a PDF');
      }
      return pdf;
    } finally {
      page.off('request', documentRequested);
      setUpDone();
      stopLogging();
    }
  }

  /** Opens the report page and waits for its ready flag; fails on an error status, flag or foreign origin. */
  private async openUntilReady(page: Page, job: RenderJob, remaining: () => number): Promise<void> {
    const response = await page.goto(job.url, { waitUntil: 'domcontentloaded', timeout: remaining() });
    if (!response) throw new RenderFailed('navigation', 'no response for the report page');
    if (response.status() >= 400) {
      throw new RenderFailed('http_status', `report page answered ${response.status()}`, {
        pageStatus: response.status(),
      });
    }
    // The main document (after redirects) must still be on an allowed frontend.
    if (!this.policy.documentOrigins.has(new URL(response.url()).origin)) {
      throw new RenderFailed('blocked', `report page ended on ${response.url()}`);
    }
    await page.waitForFunction(
      () => {
        const flags = window as unknown as { __PDF_READY__?: unknown; __PDF_ERROR__?: unknown };
        return flags.__PDF_READY__ === true || Boolean(flags.__PDF_ERROR__);
      },
      { polling: READY_POLL_MS, timeout: remaining() },
    );
    const pageError = await page.evaluate(() => {
      const { __PDF_ERROR__: error } = window as unknown as { __PDF_ERROR__?: unknown };
      if (!error) return null;
      return typeof error === 'string' ? error : JSON.stringify(error);
    });
    if (pageError !== null) throw new RenderFailed('page_error', pageError.slice(0, MAX_ERROR_DETAIL));
  }

  private logPageTrouble(page: Page, requestId: string): () => void {
    const onConsole = (message: ConsoleMessage) => {
      if (message.type() === 'error')
        this.logger.debug({ renderId: requestId }, `page console error: ${message.text()}`);
    };
    const onPageError = (error: unknown) =>
      this.logger.debug({ renderId: requestId }, `page script error: ${String(error)}`);
    const onRequestFailed = (request: HTTPRequest) =>
      this.logger.debug(
        { renderId: requestId },
        `request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`,
      );
    page.on('console', onConsole);
    page.on('pageerror', onPageError);
    page.on('requestfailed', onRequestFailed);
    return () => {
      page.off('console', onConsole);
      page.off('pageerror', onPageError);
      page.off('requestfailed', onRequestFailed);
    };
  }
}

function classify(
  error: unknown,
  browser: Browser,
  slot: RenderSlot | undefined,
  timeoutMs: number,
): RenderFailed {
  if (!browser.connected)
    return new RenderFailed('browser_crashed', 'Chromium went away mid-render', { cause: error });
  if (error instanceof RenderFailed) return error;
  const mainFrameBlocked = slot?.blocked.find((blocked) => blocked.mainFrame);
  if (mainFrameBlocked) {
    return new RenderFailed('blocked', `the report page went to ${mainFrameBlocked.url}`, { cause: error });
  }
  if (error instanceof TimeoutError) {
    return new RenderFailed('timeout', `page not ready within ${timeoutMs} ms`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new RenderFailed('navigation', detail.slice(0, MAX_ERROR_DETAIL), { cause: error });
}

/** `work`, or `RenderAbandoned` as soon as `signal` fires. */
function untilAbandoned<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new RenderAbandoned());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RenderAbandoned());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
