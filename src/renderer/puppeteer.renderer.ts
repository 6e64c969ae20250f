import { Logger } from '@nestjs/common';
import { TimeoutError, type Browser, type BrowserContext, type Page } from 'puppeteer';
import { InvalidInput, RenderFailed, ShuttingDown } from '../common/domain.errors';
import type { RendererConfig } from '../config';
import { ChromiumSupervisor } from './chromium.supervisor';
import { PdfRenderer, type RendererStatus, type RenderJob } from './pdf-renderer';
import { RenderQueue } from './render-queue';

const READY_POLL_MS = 25;
const MAX_ERROR_DETAIL = 200;

/** What a render reports to metrics. */
export interface RenderObserver {
  rendered(durationMs: number): void;
  failed(reason: RenderFailed['reason']): void;
  relaunched(): void;
}

const NO_OBSERVER: RenderObserver = {
  rendered: () => undefined,
  failed: () => undefined,
  relaunched: () => undefined,
};

/**
 * Renders in one supervised Chromium. Every render gets its own incognito browser context, so no two
 * renders share localStorage or cookies (one user's token can never render another's report), and the
 * context is closed afterwards whatever happened.
 */
export class PuppeteerPdfRenderer extends PdfRenderer {
  private readonly logger = new Logger(PuppeteerPdfRenderer.name);
  private readonly queue: RenderQueue;
  private readonly supervisor: ChromiumSupervisor;
  private readonly allowedOrigins: ReadonlySet<string>;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private closing = false;

  constructor(
    private readonly config: RendererConfig,
    allowedOrigins: readonly string[],
    private readonly observer: RenderObserver = NO_OBSERVER,
  ) {
    super();
    this.queue = new RenderQueue(config.concurrency, config.queueLimit);
    this.supervisor = new ChromiumSupervisor(
      { executablePath: config.chromePath, recycleAfter: config.recycleAfter },
      () => observer.relaunched(),
    );
    this.allowedOrigins = new Set(allowedOrigins);
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
    try {
      return await this.queue.run(() => this.renderNow(job, origin));
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  /** Stops taking renders and waits up to `graceMs` for those in flight. */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (this.drained = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    if (this.inFlight > 0)
      this.logger.warn(`${this.inFlight} render(s) still running after ${graceMs} ms grace`);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.supervisor.close();
  }

  private allowedOrigin(url: string): string {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new InvalidInput('url', 'is not a URL');
    }
    if (!this.allowedOrigins.has(origin))
      throw new InvalidInput('origin', `${origin} is not an allowed frontend`);
    return origin;
  }

  private async renderNow(job: RenderJob, origin: string): Promise<Uint8Array> {
    const started = performance.now();
    const lease = await this.supervisor.lease();
    let context: BrowserContext | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + this.config.timeoutMs;
    try {
      context = await lease.browser.createBrowserContext();
      const work = this.renderInContext(context, job, origin, deadline);
      // Closing the context below cancels whatever the abandoned work was waiting on.
      work.catch(() => undefined);
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(
          () => fail(new RenderFailed('timeout', `page not ready within ${this.config.timeoutMs} ms`)),
          this.config.timeoutMs,
        );
      });
      const pdf = await Promise.race([work, timeout]);
      this.observer.rendered(performance.now() - started);
      return pdf;
    } catch (error) {
      const failure = classify(error, lease.browser, this.config.timeoutMs);
      this.observer.failed(failure.reason);
      this.logger.warn({ requestId: job.requestId, reason: failure.reason, url: job.url }, failure.message);
      throw failure;
    } finally {
      clearTimeout(timer);
      if (context && lease.browser.connected) {
        await context
          .close()
          .catch((error: unknown) => this.logger.debug({ err: error }, 'context close failed'));
      }
      lease.release();
    }
  }

  private async renderInContext(
    context: BrowserContext,
    job: RenderJob,
    origin: string,
    deadline: number,
  ): Promise<Uint8Array> {
    const remaining = () => Math.max(1, deadline - Date.now());
    const page = await context.newPage();
    this.logPageTrouble(page, job.requestId);
    await page.setViewport({ width: 1200, height: 800 });
    await page.evaluateOnNewDocument(
      (token: string, frontend: string) => {
        // Only the frontend's own documents get the token; about:blank or foreign frames never do.
        if (location.origin === frontend) localStorage.setItem('token', token);
      },
      job.token,
      origin,
    );
    const { hostname, protocol } = new URL(origin);
    await context.setCookie({
      name: 'jwt',
      value: job.token,
      domain: hostname,
      path: '/',
      secure: protocol === 'https:',
      sameSite: 'Lax',
    });
    const response = await page.goto(job.url, { waitUntil: 'domcontentloaded', timeout: remaining() });
    if (!response) throw new RenderFailed('navigation', 'no response for the report page');
    if (response.status() >= 400)
      throw new RenderFailed('http_status', `report page answered ${response.status()}`);
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
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '20px', right: '20px', bottom: '20px', left: '20px' },
      timeout: remaining(),
    });
    if (!Buffer.from(pdf.subarray(0, 5)).equals(Buffer.from('%PDF-'))) {
      throw new RenderFailed('page_error', 'Chromium returned something that is not a PDF');
    }
    return pdf;
  }

  private logPageTrouble(page: Page, requestId: string): void {
    page.on('console', (message) => {
      if (message.type() === 'error')
        this.logger.debug({ requestId }, `page console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.logger.debug({ requestId }, `page script error: ${String(error)}`));
    page.on('requestfailed', (request) =>
      this.logger.debug(
        { requestId },
        `request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`,
      ),
    );
  }
}

function classify(error: unknown, browser: Browser, timeoutMs: number): RenderFailed {
  if (!browser.connected)
    return new RenderFailed('browser_crashed', 'Chromium went away mid-render', { cause: error });
  if (error instanceof RenderFailed) return error;
  if (error instanceof TimeoutError) {
    return new RenderFailed('timeout', `page not ready within ${timeoutMs} ms`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new RenderFailed('navigation', detail.slice(0, MAX_ERROR_DETAIL), { cause: error });
}
