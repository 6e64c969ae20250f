import type { Browser, BrowserContext, CDPSession, HTTPRequest, Page } from 'puppeteer-core';
import { mayShare, type AssetRequest, type StaticAssetCache } from './static-asset-cache';

/** Path of the empty document a wiped slot opens on each origin to check that nothing is left there. */
const PROBE_PATH = '/__pdf_service_wipe_probe__';
const PROBE_HTML = '<!doctype html><title>wipe probe</title>';

/** Where a render's page may go. Everything else is refused before it leaves Chromium. */
export interface NetworkPolicy {
  /** Origins the main document, its redirects and frames may load from. */
  documentOrigins: ReadonlySet<string>;
  /** Further origins for other requests (the frontend's API, a CDN). */
  resourceOrigins: ReadonlySet<string>;
}

/**
 * How a wiped slot is proven empty. `protocol`: the tab goes to about:blank (the report's document, its
 * scripts and its unload handlers are gone once that commits), then everything is cleared and each store is
 * queried over the DevTools protocol for every origin the render touched. `probe`: the tab opens a blank
 * document on each origin and looks from inside it.
 */
export type SlotWipe = 'protocol' | 'probe';

/** A request the policy refused; `navigation` when it was a document (main frame or frame). */
export interface BlockedRequest {
  url: string;
  navigation: boolean;
  mainFrame: boolean;
}

/**
 * An incognito browser context with one open page, used by one render at a time.
 *
 * Opening a context and its first page starts a new renderer process, which costs about half a second of
 * CPU: more than the rest of a render. So a slot is reused, but only after every kind of site data its
 * render could have left (cookies, local and session storage, IndexedDB, Cache Storage, service workers,
 * the HTTP cache, the page's own document) is wiped and then verified empty (see `SlotWipe`) on each origin
 * the render touched. On any doubt the slot is closed instead. What stays warm across renders are only the anonymous, publicly cacheable static
 * files of the process-wide `StaticAssetCache`.
 */
export class RenderSlot {
  renders = 0;
  private scriptId: string | undefined;
  /** Every origin the current render's page talked to: their storage is wiped and checked. */
  private readonly origins = new Set<string>();
  /** Requests refused during the current render. */
  readonly blocked: BlockedRequest[] = [];
  /** Only while wiping is the probe path answered (locally); a report page never gets it. */
  private wiping = false;
  /** The current render's token: a request carrying it in its URL is never answered from the shared cache. */
  private token: string | undefined;

  private constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly cdp: CDPSession,
    private readonly policy: NetworkPolicy,
    private readonly onBlocked: (request: BlockedRequest) => void,
    private readonly assets: StaticAssetCache,
    private readonly wipeCheck: SlotWipe,
  ) {
    page.on('request', (request) => this.route(request));
  }

  static async open(
    browser: Browser,
    policy: NetworkPolicy,
    onBlocked: (request: BlockedRequest) => void,
    assets: StaticAssetCache,
    wipeCheck: SlotWipe = 'protocol',
  ): Promise<RenderSlot> {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const cdp = await page.createCDPSession();
      // Once per slot: the viewport outlives navigations and wipes.
      await page.setViewport({ width: 1200, height: 800 });
      // Every request (frames and workers included) is paused until `route` lets it go, answers or refuses it.
      await page.setRequestInterception(true);
      // Session storage is read and cleared per origin over the protocol, which needs its domain on.
      if (wipeCheck === 'protocol') await cdp.send('DOMStorage.enable');
      return new RenderSlot(browser, context, page, cdp, policy, onBlocked, assets, wipeCheck);
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  /**
   * Sets the `jwt` cookie for exactly the page's origin host: no `domain` (host-only, so subdomains never get
   * it), `Secure` on https, `SameSite=Lax`.
   */
  async setTokenCookie(token: string, origin: string): Promise<void> {
    await this.cdp.send('Network.setCookie', {
      name: 'jwt',
      value: token,
      url: `${origin}/`,
      path: '/',
      secure: origin.startsWith('https:'),
      sameSite: 'Lax',
    });
  }

  /** Forgets what the previous render was refused. */
  startRender(): void {
    this.blocked.length = 0;
  }

  private route(request: HTTPRequest): void {
    const url = request.url();
    const scheme = url.slice(0, url.indexOf(':') + 1);
    if (scheme === 'data:' || scheme === 'blob:' || scheme === 'about:') {
      void request.continue().catch(() => undefined);
      return;
    }
    const origin = scheme === 'http:' || scheme === 'https:' ? new URL(url).origin : undefined;
    if (this.wiping && origin !== undefined && new URL(url).pathname === PROBE_PATH) {
      // The probe document never touches the network: it is answered here.
      void request
        .respond({ status: 200, contentType: 'text/html', body: PROBE_HTML })
        .catch(() => undefined);
      return;
    }
    const navigation = request.isNavigationRequest();
    const allowed =
      origin !== undefined &&
      (this.policy.documentOrigins.has(origin) || (!navigation && this.policy.resourceOrigins.has(origin)));
    if (allowed) {
      this.origins.add(origin);
      if (this.assets.enabled && !navigation) {
        const asked = assetRequestOf(request);
        if (mayShare(asked, this.token)) {
          void answerShared(request, asked, this.assets);
          return;
        }
      }
      void request.continue().catch(() => undefined);
      return;
    }
    const blocked = { url, navigation, mainFrame: navigation && request.frame() === this.page.mainFrame() };
    this.blocked.push(blocked);
    this.onBlocked(blocked);
    void request.abort('blockedbyclient').catch(() => undefined);
  }

  /** Makes `token` the page's `localStorage.token` for documents of `origin`, from the next navigation on. */
  async injectToken(token: string, origin: string): Promise<void> {
    this.token = token;
    if (this.scriptId !== undefined) await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId);
    const { identifier } = await this.page.evaluateOnNewDocument(
      (value: string, frontend: string) => {
        // Only the frontend's own documents get the token; the wipe probe or foreign frames never do.
        if (location.origin === frontend && !location.pathname.startsWith('/__pdf_service_wipe_probe__')) {
          // Before any page script: DOM storage starts empty whatever an earlier document of this tab left
          // (session storage belongs to the tab, and no protocol query reaches it without a document).
          sessionStorage.clear();
          localStorage.clear();
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
    this.token = undefined;
    if (this.scriptId !== undefined) {
      await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId);
      this.scriptId = undefined;
    }
    const main = new URL(pageUrl).origin;
    if (this.wipeCheck === 'protocol') return this.wipeOverProtocol(main);
    // The probe document replaces the report first, ending its scripts and timers before anything is cleared.
    this.wiping = true;
    try {
      return await this.wipeFrom(main);
    } finally {
      this.wiping = false;
    }
  }

  private async wipeFrom(main: string): Promise<boolean> {
    await this.page.goto(main + PROBE_PATH);
    const origins = await this.clearAll(main);
    for (const origin of origins) {
      if (origin !== main) await this.page.goto(origin + PROBE_PATH);
      if (!(await this.probeIsEmpty())) return false;
    }
    this.origins.clear();
    return true;
  }

  /**
   * Clears cookies, the HTTP cache and all storage of every origin the render touched (the page has already
   * left the report); answers those origins, the main one first, for the check that follows.
   */
  private async clearAll(main: string): Promise<string[]> {
    const origins = [main, ...[...this.origins].filter((origin) => origin !== main)];
    this.origins.clear();
    await this.cdp.send('Network.clearBrowserCookies');
    await this.cdp.send('Network.clearBrowserCache');
    for (const origin of origins) {
      await this.cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
    }
    return origins;
  }

  private async wipeOverProtocol(main: string): Promise<boolean> {
    // about:blank replaces the report first: once it commits, the old document's handlers have run and it
    // can write nothing more. Only then is anything cleared.
    await this.page.goto('about:blank');
    const origins = await this.clearAll(main);
    const { cookies } = await this.cdp.send('Network.getAllCookies');
    if (cookies.length > 0) return false;
    for (const origin of origins) {
      if (!(await this.originIsEmpty(origin))) return false;
    }
    return true;
  }

  /**
   * What the protocol sees of `origin`'s storage in this slot: it must be nothing at all. Everything
   * quota-managed (IndexedDB, Cache Storage, service worker registrations, file systems) counts in the usage;
   * DOM storage is not reachable without a document of the origin, so the next report document clears it
   * before its scripts run.
   */
  private async originIsEmpty(origin: string): Promise<boolean> {
    const { usage } = await this.cdp.send('Storage.getUsageAndQuota', { origin });
    return usage === 0;
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

/**
 * Answers a paused request from the shared cache when it has (or can get) an anonymous answer; else the page
 * fetches it itself. Only for requests `mayShare` allowed.
 */
export async function answerShared(
  request: HTTPRequest,
  asked: AssetRequest,
  assets: StaticAssetCache,
): Promise<void> {
  const shared = await assets.lookup(asked);
  // Puppeteer's respond() base64-encodes the body on every call (15–30 ms of CPU for a 680 kB bundle);
  // the cache keeps the encoding, so the paused request is fulfilled with it directly.
  const paused = (request as unknown as { _interceptionId?: string })._interceptionId;
  const answered =
    shared && paused !== undefined
      ? request.client.send('Fetch.fulfillRequest', {
          requestId: paused,
          responseCode: 200,
          responseHeaders: shared.headers,
          body: shared.base64,
        })
      : request.continue();
  // The page may be gone by now (render over, slot closed): nothing is waiting for this request any more.
  await answered.catch(() => undefined);
}

/** What the shared cache needs to know of an intercepted request. */
export function assetRequestOf(request: HTTPRequest): AssetRequest {
  return {
    url: request.url(),
    method: request.method(),
    resourceType: request.resourceType(),
    headers: request.headers(),
  };
}
