/**
 * Immutable static files (the frontend's bundle, stylesheets, fonts, images) kept warm across renders
 * without letting anything personal cross from one render to another.
 *
 * Chromium's own HTTP cache is still wiped after every render. Instead, a request the page makes for a
 * script, stylesheet, font or image may be answered from this process-wide cache, and only with what an
 * anonymous fetch of the same URL got: the service fetches it itself, without cookies or Authorization, and
 * keeps it only when the response says any cache may keep it (`max-age`, not `private` / `no-store` /
 * `no-cache`, no `Set-Cookie`, no `Vary` beyond encoding and origin). Anything else the page fetches
 * itself, with its own credentials, exactly as before: documents, fetch/XHR, requests carrying a token in a
 * header or the URL, and files that turned out not to be shareable.
 */

/** What the slot knows of an intercepted request. */
export interface AssetRequest {
  url: string;
  method: string;
  resourceType: string;
  headers: Record<string, string>;
}

/** A response fit to be handed to any render, ready for `Fetch.fulfillRequest`. */
export interface SharedAsset {
  headers: { name: string; value: string }[];
  /** The body, base64-encoded once here rather than on every render (the protocol carries base64). */
  base64: string;
  bytes: number;
}

export type AssetOutcome = 'hit' | 'stored' | 'unshareable' | 'fetch_failed';

export interface AssetCacheLimits {
  /** Total bytes kept; 0 turns the cache off. */
  maxBytes: number;
  /** One response larger than this is never kept. */
  maxEntryBytes: number;
  /** One anonymous fetch's limit. */
  fetchTimeoutMs: number;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

const SHARED_TYPES = new Set(['script', 'stylesheet', 'font', 'image']);
/** Response headers a shared answer carries; the rest (cookies, encodings, lengths) are not the page's business. */
const FORWARDED = [
  'content-type',
  'cache-control',
  'etag',
  'last-modified',
  'access-control-allow-origin',
  'cross-origin-resource-policy',
  'timing-allow-origin',
  'x-content-type-options',
];
const VARY_KEYED = new Set(['accept-encoding', 'origin']);
/** How long a URL found unshareable goes straight to the page, and how many such URLs are remembered. */
const UNSHAREABLE_MS = 10 * 60_000;
const UNSHAREABLE_LIMIT = 10_000;

interface Entry extends SharedAsset {
  expires: number;
}

/** Whether a request may be answered from the shared cache at all (`token`: the current render's). */
export function mayShare(request: AssetRequest, token: string | undefined): boolean {
  if (request.method !== 'GET' || !SHARED_TYPES.has(request.resourceType)) return false;
  if (header(request.headers, 'authorization') !== undefined) return false;
  return token === undefined || !request.url.includes(token);
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

/** Seconds any cache may keep the response, or undefined when it must not be shared. */
export function sharedLifetimeSeconds(status: number, headers: Headers): number | undefined {
  if (status !== 200 || headers.has('set-cookie')) return undefined;
  const vary = (headers.get('vary') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (vary.some((name) => !VARY_KEYED.has(name))) return undefined;
  const directives = (headers.get('cache-control') ?? '')
    .split(',')
    .map((directive) => directive.trim().toLowerCase());
  if (
    directives.some(
      (d) => d === 'private' || d === 'no-store' || d === 'no-cache' || d.startsWith('private='),
    )
  )
    return undefined;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  const seconds = maxAge === undefined ? NaN : Number(maxAge.slice('max-age='.length));
  return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

export class StaticAssetCache {
  /** In least-recently-used order (a Map keeps insertion order; a hit moves its entry to the end). */
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<SharedAsset | undefined>>();
  private readonly unshareable = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly limits: AssetCacheLimits,
    private readonly observe: (outcome: AssetOutcome) => void = () => undefined,
    private readonly fetcher: Fetch = (url, init) => fetch(url, init),
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limits.maxBytes > 0;
  }

  /** Bytes held (for tests and metrics). */
  get size(): number {
    return this.bytes;
  }

  /**
   * The shared answer for `request`, fetched anonymously on first use; undefined when the page must fetch
   * it itself (not shareable, too large, or the anonymous fetch failed).
   */
  async lookup(request: AssetRequest): Promise<SharedAsset | undefined> {
    const origin = header(request.headers, 'origin');
    const key = `${request.url}\n${origin ?? ''}`;
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.observe('hit');
      return entry;
    }
    if (entry) this.remove(key, entry);
    const refusedUntil = this.unshareable.get(key);
    if (refusedUntil !== undefined && refusedUntil > this.now()) return undefined;
    const joined = this.pending.get(key);
    if (joined) {
      // Another render's fetch of the same file is under way: its answer serves this one too.
      const shared = await joined;
      if (shared) this.observe('hit');
      return shared;
    }
    const fetching = this.fetchAnonymously(key, request.url, origin).finally(() => this.pending.delete(key));
    this.pending.set(key, fetching);
    return fetching;
  }

  private async fetchAnonymously(
    key: string,
    url: string,
    origin: string | undefined,
  ): Promise<SharedAsset | undefined> {
    const sent: Record<string, string> = {};
    if (origin !== undefined) sent.origin = origin;
    let response: Response;
    try {
      response = await this.fetcher(url, {
        headers: sent,
        redirect: 'manual',
        credentials: 'omit',
        signal: AbortSignal.timeout(this.limits.fetchTimeoutMs),
      });
    } catch {
      // Counted; the page then asks for the file itself and meets (and reports) the same failure.
      this.observe('fetch_failed');
      return undefined;
    }
    const lifetime = sharedLifetimeSeconds(response.status, response.headers);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (lifetime === undefined || declared > this.limits.maxEntryBytes) {
      await response.body?.cancel();
      return this.refuse(key);
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > this.limits.maxEntryBytes) return this.refuse(key);
    const headers = FORWARDED.flatMap((name) => {
      const value = response.headers.get(name);
      return value === null ? [] : [{ name, value }];
    });
    headers.push({ name: 'content-length', value: String(body.length) });
    const shared: Entry = {
      headers,
      base64: body.toString('base64'),
      bytes: body.length,
      expires: this.now() + lifetime * 1000,
    };
    this.store(key, shared);
    this.observe('stored');
    return shared;
  }

  private refuse(key: string): undefined {
    if (this.unshareable.size >= UNSHAREABLE_LIMIT) this.unshareable.clear();
    this.unshareable.set(key, this.now() + UNSHAREABLE_MS);
    this.observe('unshareable');
    return undefined;
  }

  private store(key: string, entry: Entry): void {
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.limits.maxBytes) break;
      this.remove(oldest, old);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
