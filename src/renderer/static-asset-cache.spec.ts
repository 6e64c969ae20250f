import { mayShare, sharedLifetimeSeconds, StaticAssetCache, type AssetOutcome } from './static-asset-cache';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const URL_JS = 'https://app.example/assets/app.1234.js';

function script(url = URL_JS, headers: Record<string, string> = {}) {
  return { url, method: 'GET', resourceType: 'script', headers };
}

/** A fetch that answers from a table and records what it was asked. */
function fakeFetch(answers: Record<string, () => Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetcher = (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const answer = answers[url];
    return answer ? Promise.resolve(answer()) : Promise.reject(new Error('connection refused'));
  };
  return { fetcher, calls };
}

function response(body: string, headers: Record<string, string>, status = 200): Response {
  return new Response(body, { status, headers });
}

function cacheWith(
  answers: Record<string, () => Response>,
  options: { maxBytes?: number; now?: () => number } = {},
) {
  const { fetcher, calls } = fakeFetch(answers);
  const outcomes: AssetOutcome[] = [];
  const cache = new StaticAssetCache(
    { maxBytes: options.maxBytes ?? 1024 * 1024, maxEntryBytes: 1024 * 1024, fetchTimeoutMs: 1000 },
    (outcome) => outcomes.push(outcome),
    fetcher,
    options.now,
  );
  return { cache, calls, outcomes };
}

describe('mayShare', () => {
  it.each([
    ['a script', script(), true],
    ['a stylesheet', { ...script(), resourceType: 'stylesheet' }, true],
    ['a font', { ...script(), resourceType: 'font' }, true],
    ['an image', { ...script(), resourceType: 'image' }, true],
    ['a document', { ...script(), resourceType: 'document' }, false],
    ['a fetch', { ...script(), resourceType: 'fetch' }, false],
    ['an XHR', { ...script(), resourceType: 'xhr' }, false],
    ['a POST', { ...script(), method: 'POST' }, false],
    ['a request with an Authorization header', script(URL_JS, { Authorization: 'Bearer x' }), false],
    ['a request with the token in its URL', script(`${URL_JS}?t=TOKEN123`), false],
  ])('should answer for %s: %s', (_, request, expected) => {
    expect(mayShare(request, 'TOKEN123')).toBe(expected);
  });
});

describe('sharedLifetimeSeconds', () => {
  it.each([
    [200, { 'cache-control': IMMUTABLE }, 31536000],
    [200, { 'cache-control': 'max-age=60' }, 60],
    [200, { 'cache-control': 'public, max-age=60', vary: 'Accept-Encoding, Origin' }, 60],
    [200, { 'cache-control': 'private, max-age=600' }, undefined],
    [200, { 'cache-control': 'public, max-age=600, no-store' }, undefined],
    [200, { 'cache-control': 'no-cache, max-age=600' }, undefined],
    [200, { 'cache-control': 'max-age=600, private="set-cookie"' }, undefined],
    [200, { 'cache-control': 'max-age=0' }, undefined],
    [200, { 'cache-control': 'public' }, undefined],
    [200, {}, undefined],
    [200, { 'cache-control': IMMUTABLE, 'set-cookie': 'a=b' }, undefined],
    [200, { 'cache-control': IMMUTABLE, vary: 'Cookie' }, undefined],
    [200, { 'cache-control': IMMUTABLE, vary: '*' }, undefined],
    [304, { 'cache-control': IMMUTABLE }, undefined],
    [302, { 'cache-control': IMMUTABLE, location: '/elsewhere' }, undefined],
  ])('should read status %s with %j as %s', (status, headers, expected) => {
    expect(sharedLifetimeSeconds(status, new Headers(headers))).toBe(expected);
  });
});

describe('StaticAssetCache', () => {
  it('should fetch a public immutable file once, anonymously, and then serve it warm', async () => {
    const { cache, calls, outcomes } = cacheWith({
      [URL_JS]: () =>
        response('bundle', {
          'cache-control': IMMUTABLE,
          'content-type': 'text/javascript',
          'x-other': 'no',
        }),
    });
    const first = await cache.lookup(script(URL_JS, { Accept: '*/*' }));
    const second = await cache.lookup(script());
    expect(Buffer.from(first!.base64, 'base64').toString()).toBe('bundle');
    expect(second).toBe(first);
    expect(first?.headers).toEqual([
      { name: 'content-type', value: 'text/javascript' },
      { name: 'cache-control', value: IMMUTABLE },
      { name: 'content-length', value: '6' },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0].init).toMatchObject({ headers: {}, credentials: 'omit', redirect: 'manual' });
    expect(outcomes).toEqual(['stored', 'hit']);
  });

  it('should share one fetch between concurrent requests for the same file', async () => {
    const { cache, calls, outcomes } = cacheWith({
      [URL_JS]: () => response('bundle', { 'cache-control': IMMUTABLE }),
    });
    const answers = await Promise.all([
      cache.lookup(script()),
      cache.lookup(script()),
      cache.lookup(script()),
    ]);
    expect(calls).toHaveLength(1);
    expect(new Set(answers).size).toBe(1);
    expect(outcomes).toEqual(['stored', 'hit', 'hit']);
  });

  it('should leave a private file to the page, and not ask again for it', async () => {
    const { cache, calls, outcomes } = cacheWith({
      [URL_JS]: () => response('mine', { 'cache-control': 'private, max-age=600' }),
    });
    expect(await cache.lookup(script())).toBeUndefined();
    expect(await cache.lookup(script())).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(outcomes).toEqual(['unshareable']);
    expect(cache.size).toBe(0);
  });

  it('should leave a file the anonymous fetch could not get to the page', async () => {
    const { cache, outcomes } = cacheWith({});
    expect(await cache.lookup(script())).toBeUndefined();
    expect(outcomes).toEqual(['fetch_failed']);
  });

  it('should key by the Origin header and send it along (CORS fonts)', async () => {
    const font = 'https://cdn.example/font.woff2';
    const { cache, calls } = cacheWith({
      [font]: () =>
        response('font', { 'cache-control': IMMUTABLE, vary: 'Origin', 'access-control-allow-origin': '*' }),
    });
    const request = {
      url: font,
      method: 'GET',
      resourceType: 'font',
      headers: { Origin: 'https://a.example' },
    };
    await cache.lookup(request);
    await cache.lookup(request);
    await cache.lookup({ ...request, headers: { Origin: 'https://b.example' } });
    expect(calls.map((call) => call.init.headers)).toEqual([
      { origin: 'https://a.example' },
      { origin: 'https://b.example' },
    ]);
  });

  it('should fetch again once max-age has passed', async () => {
    let now = 1_000_000;
    const { cache, calls } = cacheWith(
      { [URL_JS]: () => response('bundle', { 'cache-control': 'max-age=60' }) },
      { now: () => now },
    );
    await cache.lookup(script());
    now += 59_000;
    await cache.lookup(script());
    now += 2_000;
    await cache.lookup(script());
    expect(calls).toHaveLength(2);
  });

  it('should drop the least recently used files beyond its size', async () => {
    const urls = ['a', 'b', 'c'].map((name) => `https://app.example/assets/${name}.js`);
    const { cache, calls } = cacheWith(
      Object.fromEntries(
        urls.map((url) => [url, () => response('x'.repeat(400), { 'cache-control': IMMUTABLE })]),
      ),
      { maxBytes: 1000 },
    );
    await cache.lookup(script(urls[0]));
    await cache.lookup(script(urls[1]));
    await cache.lookup(script(urls[0])); // a is now the most recently used
    await cache.lookup(script(urls[2])); // over 1000 bytes: b goes
    expect(cache.size).toBe(800);
    await cache.lookup(script(urls[0]));
    await cache.lookup(script(urls[1]));
    expect(calls.map((call) => call.url)).toEqual([urls[0], urls[1], urls[2], urls[1]]);
  });
});
