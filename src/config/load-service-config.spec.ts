import { ConfigError, loadServiceConfig } from './load-service-config';

const GOOD_TOKEN = 'x'.repeat(32);

function errorOf(env: Record<string, string>): string {
  try {
    loadServiceConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadServiceConfig.name, () => {
  describe('defaults', () => {
    it('should fill every default in development, with warnings for the secrets', () => {
      const { config, warnings } = loadServiceConfig({});
      expect(config.http).toEqual({
        port: 8080,
        nodeEnv: 'development',
        logLevel: 'debug',
        prettyLogs: true,
        docsEnabled: true,
      });
      expect(config.storage.driver).toBe('fs');
      expect(config.frontend).toMatchObject({
        defaultOrigin: 'https://tamilnadu.inzighted.com',
        allowedOrigins: ['https://tamilnadu.inzighted.com'],
      });
      expect(config.renderer.documentOrigins).toEqual(['https://tamilnadu.inzighted.com']);
      expect(config.renderer.resourceOrigins).toEqual([]);
      expect(config.reports).toEqual({
        maxRendersPerViewer: undefined,
        bulkConcurrency: config.renderer.concurrency,
        lockWaitMs: 70000,
        renderRatePerMinute: undefined,
        renderRateAdminPerMinute: undefined,
        hitDelivery: 'stream',
        presignTtlSeconds: 60,
      });
      expect(config.renderer.pdf).toEqual({
        format: 'A4',
        printBackground: true,
        tagged: true,
        outline: true,
        pageNumbers: false,
      });
      expect(config.batches).toMatchObject({
        driver: 'memory',
        attempts: 3,
        retryBackoffMs: 1000,
        stallMs: 30000,
        retentionMs: 24 * 3600_000,
        callbackOrigins: [],
        callbackBackoffMs: 1000,
      });
      expect(config.redis).toEqual({ url: undefined, lockTtlMs: 30000 });
      expect(config.renderer.concurrency).toBeGreaterThanOrEqual(2);
      expect(config.renderer.queueLimit).toBe(100);
      expect(config.renderer.timeoutMs).toBe(60000);
      expect(config.renderer.recycleAfter).toBe(1000);
      expect(config.renderer.shutdownGraceMs).toBe(25000);
      expect(config.frontend.reportPaths.student).toBe('/report?studentId={studentId}&testId={testId}');
      expect(warnings.join('\n')).toMatch(/PDF_SERVICE_INTERNAL_TOKEN/);
      expect(warnings.join('\n')).toMatch(/JWT_SECRET/);
    });

    it('should choose the s3 driver when S3_BUCKET is set', () => {
      const { config } = loadServiceConfig({
        S3_BUCKET: 'b',
        S3_KEY_PREFIX: 'p/',
        S3_FORCE_PATH_STYLE: 'true',
      });
      expect(config.storage).toMatchObject({
        driver: 's3',
        bucket: 'b',
        keyPrefix: 'p/',
        forcePathStyle: true,
      });
    });

    it('should keep the default origin in the allow-list and normalise a trailing slash', () => {
      const { config } = loadServiceConfig({
        FRONTEND_ORIGINS: 'http://localhost:3000/, https://a.example.com',
      });
      expect(config.frontend.allowedOrigins).toEqual([
        'https://tamilnadu.inzighted.com',
        'http://localhost:3000',
        'https://a.example.com',
      ]);
    });
  });

  describe('bad values', () => {
    it.each([
      [{ PORT: 'abc' }, /^PORT .*"abc"/],
      [{ PORT: '70000' }, /^PORT /],
      [{ STORAGE_DRIVER: 'ftp' }, /^STORAGE_DRIVER .*"ftp"/],
      [{ STORAGE_DRIVER: 's3' }, /^S3_BUCKET is required when STORAGE_DRIVER=s3/],
      [{ FRONTEND_ORIGINS: 'ftp://x.example.com' }, /^FRONTEND_ORIGINS entry "ftp:\/\/x.example.com"/],
      [{ FRONTEND_ORIGINS: 'https://x.example.com/path' }, /^FRONTEND_ORIGINS entry/],
      [{ FRONTEND_ORIGINS: 'not a url' }, /^FRONTEND_ORIGINS entry/],
      [{ DEFAULT_FRONTEND_ORIGIN: 'x' }, /^DEFAULT_FRONTEND_ORIGIN entry/],
      [{ RENDER_ALLOWED_ORIGINS: 'https://cdn.example.com/x' }, /^RENDER_ALLOWED_ORIGINS entry/],
      [{ RENDER_MAX_PER_VIEWER: '0' }, /^RENDER_MAX_PER_VIEWER /],
      [{ CHROMIUM_SANDBOX: 'maybe' }, /^CHROMIUM_SANDBOX must be one of on, off/],
      [{ S3_FORCE_PATH_STYLE: 'yes', S3_BUCKET: 'b' }, /^S3_FORCE_PATH_STYLE /],
      [{ BATCH_QUEUE: 'redis' }, /^REDIS_URL is required when BATCH_QUEUE=redis/],
      [{ REDIS_URL: 'http://x' }, /^REDIS_URL must be a redis:\/\//],
      [{ BATCH_ATTEMPTS: '0' }, /^BATCH_ATTEMPTS /],
      [{ HIT_DELIVERY: 'redirect' }, /^HIT_DELIVERY=redirect needs STORAGE_DRIVER=s3/],
      [{ PDF_FORMAT: 'B5' }, /^PDF_FORMAT must be one of/],
      [{ JWT_MAX_AGE_SECONDS: 'soon' }, /^JWT_MAX_AGE_SECONDS /],
      [{ NODE_ENV: 'staging' }, /^NODE_ENV /],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
      [{ RENDER_CONCURRENCY: '0' }, /^RENDER_CONCURRENCY /],
      [{ RENDER_QUEUE_LIMIT: '-1' }, /^RENDER_QUEUE_LIMIT /],
      [{ RENDER_TIMEOUT_MS: '1s' }, /^RENDER_TIMEOUT_MS /],
      [{ S3_KEY_PREFIX: '/abs' }, /^S3_KEY_PREFIX /],
      [{ S3_ENDPOINT: 'localhost:9000' }, /^S3_ENDPOINT /],
      [{ CHROME_PATH: '/no/such/chromium' }, /^CHROME_PATH /],
      [{ REPORT_PATH_STUDENT: 'report' }, /^REPORT_PATH_STUDENT /],
      [
        { REPORT_PATH_TEACHER: '/t?id={userId}' },
        /^REPORT_PATH_TEACHER has an unknown placeholder \{userId\}/,
      ],
    ])('should refuse %j with a message naming the variable', (env, message) => {
      expect(errorOf(env)).toMatch(message);
    });
  });

  describe('production', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'secret',
      DEFAULT_FRONTEND_ORIGIN: 'https://school.example.com',
      STORAGE_DRIVER: 'fs',
    };

    it('should require CALLBACK_SECRET when callbacks are allowed', () => {
      expect(
        errorOf({
          ...production,
          PDF_SERVICE_INTERNAL_TOKEN: GOOD_TOKEN,
          CALLBACK_ORIGINS: 'https://b.example.com',
        }),
      ).toMatch(/^CALLBACK_SECRET is missing/);
    });

    it.each(['DEFAULT_FRONTEND_ORIGIN', 'STORAGE_DRIVER'])('should refuse to start without %s', (name) => {
      const env: Record<string, string> = { ...production, PDF_SERVICE_INTERNAL_TOKEN: GOOD_TOKEN };
      delete env[name];
      expect(errorOf(env)).toMatch(new RegExp(`^${name} is missing`));
    });

    it.each([
      [{}, /PDF_SERVICE_INTERNAL_TOKEN is missing/],
      [{ PDF_SERVICE_INTERNAL_TOKEN: 'changeme' }, /PDF_SERVICE_INTERNAL_TOKEN must not be "changeme"/],
      [{ PDF_SERVICE_INTERNAL_TOKEN: 'short' }, /PDF_SERVICE_INTERNAL_TOKEN must be at least 32 characters/],
    ])('should refuse the internal token in %j', (env, message) => {
      expect(errorOf({ ...production, ...env })).toMatch(message);
    });

    it('should refuse a missing JWT_SECRET', () => {
      expect(errorOf({ ...production, JWT_SECRET: '', PDF_SERVICE_INTERNAL_TOKEN: GOOD_TOKEN })).toMatch(
        /^JWT_SECRET is missing/,
      );
    });

    it('should start strict and quiet with good secrets', () => {
      const { config, warnings } = loadServiceConfig({
        ...production,
        PDF_SERVICE_INTERNAL_TOKEN: GOOD_TOKEN,
      });
      expect(warnings).toEqual([]);
      expect(config.auth.internalToken).toBe(GOOD_TOKEN);
      expect(config.http).toMatchObject({ logLevel: 'info', prettyLogs: false, docsEnabled: false });
    });
  });
});
