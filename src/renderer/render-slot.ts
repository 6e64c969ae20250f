import type { Browser, BrowserContext, CDPSession, Page } from 'puppeteer';

/** Path of the empty document a wiped slot opens on each origin to check that nothing is left there. */
const PROBE_PATH = '/__pdf_service_wipe_probe__';
const PROBE_HTML = Buffer.from('<!doctype html><title>wipe probe</title>').toString('base64');

/**
 * An incognito browser context with one open page, used by one render at a time.
 *
 * Opening a context and its first page starts a new renderer process, which costs about half a second of
 * CPU: more than the rest of a render. So a slot is reused, but only after every kind of site data its
 * render could have left (cookies, local and session storage, IndexedDB, Cache Storage, service workers,
 * the HTTP cache, the page's own document) is wiped and then verified empty from a blank document on each
 * origin the render touched, which sees exactly what the next report page would see. On any doubt the
 * slot is closed instead.
 */
export class RenderSlot {
  renders = 0;
  private scriptId: string | undefined;
  /** Every origin the current render's page talked to: their storage is wiped and checked. */
  private readonly origins = new Set<string>();

  private constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly cdp: CDPSession,
  ) {
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith('http:') || url.startsWith('https:')) this.origins.add(new URL(url).origin);
    });
    // The probe document never touches the network: it is answered here.
    cdp.on('Fetch.requestPaused', (event) => {
      cdp
        .send('Fetch.fulfillRequest', {
          requestId: event.requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'Content-Type', value: 'text/html' }],
          body: PROBE_HTML,
        })
        .catch(() => undefined);
    });
  }

  static async open(browser: Browser): Promise<RenderSlot> {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const cdp = await page.createCDPSession();
      await cdp.send('Fetch.enable', {
        patterns: [{ urlPattern: `*${PROBE_PATH}`, requestStage: 'Request' }],
      });
      return new RenderSlot(browser, context, page, cdp);
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  /** Makes `token` the page's `localStorage.token` for documents of `origin`, from the next navigation on. */
  async injectToken(token: string, origin: string): Promise<void> {
    if (this.scriptId !== undefined) await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId);
    const { identifier } = await this.page.evaluateOnNewDocument(
      (value: string, frontend: string) => {
        // Only the frontend's own documents get the token; the wipe probe or foreign frames never do.
        if (location.origin === frontend && !location.pathname.startsWith('/__pdf_service_wipe_probe__')) {
          localStorage.setItem('token', value);
        }
      },
      token,
      origin,
    );
    this.scriptId = identifier;
  }

  /**
   * Leaves the report, wipes everything the render could have stored, and checks from a blank document on
   * every touched origin that nothing is left. Resolves true only when the slot is verifiably clean.
   */
  async wipe(): Promise<boolean> {
    const pageUrl = this.page.url();
    if (!pageUrl.startsWith('http:') && !pageUrl.startsWith('https:')) return false;
    // Frames of other origins keep per-tab session storage the probe cannot see: such a slot is not reused.
    const foreignFrame = this.page
      .frames()
      .some((frame) => frame.url() !== 'about:blank' && !this.origins.has(new URL(frame.url()).origin));
    if (foreignFrame) return false;
    if (this.scriptId !== undefined) {
      await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId);
      this.scriptId = undefined;
    }
    // The probe document replaces the report first, ending its scripts and timers before anything is cleared.
    const main = new URL(pageUrl).origin;
    await this.page.goto(main + PROBE_PATH);
    await this.cdp.send('Network.clearBrowserCookies');
    await this.cdp.send('Network.clearBrowserCache');
    const origins = [main, ...[...this.origins].filter((origin) => origin !== main)];
    this.origins.clear();
    for (const origin of origins) {
      await this.cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
    }
    for (const origin of origins) {
      if (origin !== main) await this.page.goto(origin + PROBE_PATH);
      if (!(await this.probeIsEmpty())) return false;
    }
    this.origins.clear();
    return true;
  }

  async close(): Promise<void> {
    if (this.browser.connected) await this.context.close();
  }

  /** What the probe document on its origin in this tab can see: it must be nothing at all. */
  private async probeIsEmpty(): Promise<boolean> {
    return this.page.evaluate(async () => {
      // Session storage belongs to the tab and outlives navigation; this is the one place to clear it.
      sessionStorage.clear();
      const databases = indexedDB.databases ? await indexedDB.databases() : [];
      const cacheNames = 'caches' in window ? await caches.keys() : [];
      const workers = navigator.serviceWorker ? await navigator.serviceWorker.getRegistrations() : [];
      return (
        localStorage.length === 0 &&
        sessionStorage.length === 0 &&
        document.cookie === '' &&
        databases.length === 0 &&
        cacheNames.length === 0 &&
        workers.length === 0
      );
    });
  }
}
