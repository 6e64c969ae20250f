import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import chromiumCandidates from './chromium-candidates.json';
import { ENVIRONMENT_VARIABLES, type VariableName } from './environment.variables';
import type {
  AuthConfig,
  BatchesConfig,
  RedisConfig,
  FrontendConfig,
  NodeEnv,
  RendererConfig,
  ReportPathTemplates,
  ReportsConfig,
  ServiceConfig,
  StorageConfig,
} from './service-config';

/** A setting that stops the service from starting; the message names the variable. */
export class ConfigError extends Error {}

export interface LoadedConfig {
  config: ServiceConfig;
  /** Loud notes for development defaults that production would refuse. */
  warnings: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const DEV_FRONTEND_ORIGIN = 'https://tamilnadu.inzighted.com';
const DEV_INTERNAL_TOKEN = 'dev-internal-token-do-not-use-in-production';
const DEV_JWT_SECRET = 'dev-jwt-secret-do-not-use-in-production';
const MIN_INTERNAL_TOKEN_LENGTH = 32;
const MAX_INT = 999_999_999;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Where Debian, Ubuntu and Chrome's packages put the browser; `scripts/ensure-chromium.cjs` reads the same file. */
export const CHROMIUM_CANDIDATES: readonly string[] = chromiumCandidates;

/**
 * Reads and validates every setting once. Throws `ConfigError` with one line naming the first bad variable.
 * Empty strings count as unset, as in most .env tooling. Literal defaults come from ENVIRONMENT_VARIABLES.
 */
export function loadServiceConfig(rawEnv: Env): LoadedConfig {
  const env = new Settings(rawEnv);
  const nodeEnv = env.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test']);
  const strict = nodeEnv === 'production';
  const warnings: string[] = [];
  const auth = loadAuth(env, strict, warnings);
  const storage = loadStorage(env, strict);
  const frontend = loadFrontend(env, strict);
  const renderer = loadRenderer(env, frontend.allowedOrigins);
  const redis = loadRedis(env);
  const config: ServiceConfig = {
    http: {
      port: env.integer('PORT', 1, 65535),
      host: env.text('HOST'),
      nodeEnv,
      logLevel: env.optionalOneOf('LOG_LEVEL', LOG_LEVELS) ?? (nodeEnv === 'development' ? 'debug' : 'info'),
      prettyLogs: nodeEnv === 'development',
      docsEnabled: env.isSet('DOCS_ENABLED') ? env.boolean('DOCS_ENABLED') : !strict,
    },
    auth,
    frontend,
    storage,
    renderer,
    reports: loadReports(env, renderer, storage),
    batches: loadBatches(env, strict, auth.internalToken, redis),
    redis,
  };
  return { config, warnings };
}

/** The environment as typed reads; every failure names the variable. */
class Settings {
  private readonly defaults = new Map<string, string | undefined>(
    ENVIRONMENT_VARIABLES.map((variable) => [
      variable.name,
      'default' in variable ? variable.default : undefined,
    ]),
  );

  constructor(private readonly env: Env) {}

  /** The value as set (empty = unset), else the documented literal default. */
  text(name: VariableName): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? this.defaults.get(name) : value;
  }

  /** Set explicitly (defaults do not count). */
  isSet(name: VariableName): boolean {
    const value = this.env[name];
    return value !== undefined && value !== '';
  }

  integer(name: VariableName, min: number, max = MAX_INT): number {
    const value = this.optionalInteger(name, min, max);
    if (value === undefined) throw new ConfigError(`${name} is required`);
    return value;
  }

  optionalInteger(name: VariableName, min: number, max = MAX_INT): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  oneOf<T extends string>(name: VariableName, allowed: readonly T[]): T {
    const value = this.optionalOneOf(name, allowed);
    if (value === undefined) throw new ConfigError(`${name} is required`);
    return value;
  }

  optionalOneOf<T extends string>(name: VariableName, allowed: readonly T[]): T | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  }

  boolean(name: VariableName): boolean {
    const raw = this.text(name) ?? 'false';
    if (!/^(true|false|1|0)$/i.test(raw))
      throw new ConfigError(`${name} must be true or false, got "${raw}"`);
    return /^(true|1)$/i.test(raw);
  }

  /** Comma-separated origins (a trailing slash on each is tolerated). */
  origins(name: VariableName): string[] {
    return (this.text(name) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => parseOrigin(name, entry));
  }
}

function loadAuth(env: Settings, strict: boolean, warnings: string[]): AuthConfig {
  let internalToken = env.text('PDF_SERVICE_INTERNAL_TOKEN');
  const tokenProblem =
    internalToken === undefined
      ? 'is missing'
      : internalToken === 'changeme'
        ? 'must not be "changeme"'
        : internalToken.length < MIN_INTERNAL_TOKEN_LENGTH
          ? `must be at least ${MIN_INTERNAL_TOKEN_LENGTH} characters`
          : undefined;
  if (tokenProblem) {
    if (strict) throw new ConfigError(`PDF_SERVICE_INTERNAL_TOKEN ${tokenProblem} (NODE_ENV=production)`);
    warnings.push(
      `PDF_SERVICE_INTERNAL_TOKEN ${tokenProblem}: using the development default; production refuses this`,
    );
    internalToken = DEV_INTERNAL_TOKEN;
  }
  let jwtSecret = env.text('JWT_SECRET');
  if (jwtSecret === undefined) {
    if (strict) throw new ConfigError('JWT_SECRET is missing (NODE_ENV=production)');
    warnings.push('JWT_SECRET is missing: using the development default; production refuses this');
    jwtSecret = DEV_JWT_SECRET;
  }
  return {
    internalToken: internalToken ?? DEV_INTERNAL_TOKEN,
    jwtSecret,
    reportTokenIssuer: env.text('REPORT_TOKEN_ISSUER') ?? 'inzighted-backend',
    jwtIssuer: env.text('JWT_ISSUER'),
    jwtAudience: env.text('JWT_AUDIENCE'),
    jwtMaxAgeSeconds: env.optionalInteger('JWT_MAX_AGE_SECONDS', 1),
  };
}

function loadFrontend(env: Settings, strict: boolean): FrontendConfig {
  // Production names its frontend: a default that is one real tenant would send renders to the wrong one.
  if (strict && !env.isSet('DEFAULT_FRONTEND_ORIGIN')) {
    throw new ConfigError('DEFAULT_FRONTEND_ORIGIN is missing (NODE_ENV=production)');
  }
  const defaultOrigin = parseOrigin(
    'DEFAULT_FRONTEND_ORIGIN',
    env.text('DEFAULT_FRONTEND_ORIGIN') ?? DEV_FRONTEND_ORIGIN,
  );
  return {
    defaultOrigin,
    allowedOrigins: [...new Set([defaultOrigin, ...env.origins('FRONTEND_ORIGINS')])],
    reportPaths: loadReportPaths(env),
  };
}

/** Accepts exactly an origin (scheme, host, optional port; a trailing slash is tolerated). */
function parseOrigin(variable: string, value: string): string {
  const bare = value.endsWith('/') ? value.slice(0, -1) : value;
  const url = URL.canParse(bare) ? new URL(bare) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== bare) {
    throw new ConfigError(`${variable} entry "${value}" is not an http(s) origin (scheme://host[:port])`);
  }
  return url.origin;
}

function loadStorage(env: Settings, strict: boolean): StorageConfig {
  // Production names its driver: a missing bucket must not silently mean "write PDFs to the container's disk".
  if (strict && !env.isSet('STORAGE_DRIVER')) {
    throw new ConfigError('STORAGE_DRIVER is missing (NODE_ENV=production): set "s3" or "fs"');
  }
  const driver =
    env.optionalOneOf('STORAGE_DRIVER', ['s3', 'fs'] as const) ?? (env.isSet('S3_BUCKET') ? 's3' : 'fs');
  // S3 settings are checked even for the fs driver: a typo should not wait for the day someone switches.
  const endpoint = env.text('S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(endpoint)) {
    throw new ConfigError(`S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  const keyPrefix = env.text('S3_KEY_PREFIX') ?? '';
  if (!/^([A-Za-z0-9_.-]+\/)*$/.test(keyPrefix)) {
    throw new ConfigError(`S3_KEY_PREFIX must be empty or folder names ending in "/", got "${keyPrefix}"`);
  }
  const forcePathStyle = env.boolean('S3_FORCE_PATH_STYLE');
  if (driver === 'fs') return { driver, dir: resolve(env.text('STORAGE_DIR') ?? './var/reports') };
  const bucket = env.text('S3_BUCKET');
  if (bucket === undefined) throw new ConfigError('S3_BUCKET is required when STORAGE_DRIVER=s3');
  const accessKeyId = env.text('AWS_ACCESS_KEY_ID');
  const secretAccessKey = env.text('AWS_SECRET_ACCESS_KEY');
  return {
    driver: 's3',
    bucket,
    endpoint,
    forcePathStyle,
    keyPrefix,
    publicEndpoint: env.text('S3_PUBLIC_ENDPOINT'),
    region: env.text('AWS_REGION'),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

function loadRenderer(env: Settings, documentOrigins: readonly string[]): RendererConfig {
  const chromePath = env.text('CHROME_PATH');
  if (chromePath !== undefined && !existsSync(chromePath)) {
    throw new ConfigError(`CHROME_PATH "${chromePath}" does not exist`);
  }
  const sandbox = env.optionalOneOf('CHROMIUM_SANDBOX', ['on', 'off'] as const);
  return {
    chromePath: chromePath ?? CHROMIUM_CANDIDATES.find((path) => existsSync(path)),
    // As root Chromium refuses to start with its sandbox; elsewhere keep it unless ops turn it off.
    sandbox: sandbox === undefined ? process.getuid?.() !== 0 : sandbox === 'on',
    concurrency: env.optionalInteger('RENDER_CONCURRENCY', 1) ?? Math.max(2, availableParallelism()),
    queueLimit: env.integer('RENDER_QUEUE_LIMIT', 0),
    timeoutMs: env.integer('RENDER_TIMEOUT_MS', 1),
    recycleAfter: env.integer('RENDER_RECYCLE_AFTER', 1),
    shutdownGraceMs: env.integer('SHUTDOWN_GRACE_MS', 0),
    documentOrigins,
    resourceOrigins: env.origins('RENDER_ALLOWED_ORIGINS'),
    assetCacheBytes: env.integer('RENDER_ASSET_CACHE_MB', 0) * 1024 * 1024,
    slotWipe: env.oneOf('RENDER_SLOT_WIPE', ['protocol', 'probe'] as const),
    pdf: {
      format: env.oneOf('PDF_FORMAT', ['A4', 'A3', 'A5', 'Letter', 'Legal', 'Tabloid'] as const),
      printBackground: env.boolean('PDF_PRINT_BACKGROUND'),
      tagged: env.boolean('PDF_TAGGED'),
      outline: env.boolean('PDF_OUTLINE'),
      pageNumbers: env.boolean('PDF_PAGE_NUMBERS'),
    },
  };
}

function loadReports(env: Settings, renderer: RendererConfig, storage: StorageConfig): ReportsConfig {
  if (env.text('HIT_DELIVERY') === 'redirect' && storage.driver !== 's3') {
    throw new ConfigError(
      'HIT_DELIVERY=redirect needs STORAGE_DRIVER=s3 (the fs driver cannot presign URLs)',
    );
  }
  return {
    maxRendersPerViewer: env.optionalInteger('RENDER_MAX_PER_VIEWER', 1),
    bulkConcurrency: renderer.concurrency,
    // Another replica's render ends within its timeout; its store takes a little longer.
    lockWaitMs: renderer.timeoutMs + 10_000,
    // 0 means no limit, like unset.
    renderRatePerMinute: env.optionalInteger('RENDER_RATE_PER_MINUTE', 0) || undefined,
    renderRateAdminPerMinute: env.optionalInteger('RENDER_RATE_ADMIN_PER_MINUTE', 0) || undefined,
    hitDelivery: env.oneOf('HIT_DELIVERY', ['stream', 'redirect'] as const),
    presignTtlSeconds: env.integer('PRESIGN_TTL_SECONDS', 1, 7 * 24 * 3600),
  };
}

function loadRedis(env: Settings): RedisConfig {
  const url = env.text('REDIS_URL');
  if (url !== undefined && !/^rediss?:\/\/\S+$/.test(url)) {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got "${url}"`);
  }
  return { url, lockTtlMs: env.integer('BATCH_STALL_MS', 500) };
}

function loadBatches(
  env: Settings,
  strict: boolean,
  internalToken: string,
  redis: RedisConfig,
): BatchesConfig {
  const driver =
    env.optionalOneOf('BATCH_QUEUE', ['memory', 'redis'] as const) ?? (redis.url ? 'redis' : 'memory');
  if (driver === 'redis' && redis.url === undefined) {
    throw new ConfigError('REDIS_URL is required when BATCH_QUEUE=redis');
  }
  const callbackOrigins = env.origins('CALLBACK_ORIGINS');
  let callbackSecret = env.text('CALLBACK_SECRET');
  if (callbackSecret === undefined) {
    if (strict && callbackOrigins.length > 0) {
      throw new ConfigError('CALLBACK_SECRET is missing (NODE_ENV=production with CALLBACK_ORIGINS set)');
    }
    callbackSecret = internalToken;
  }
  return {
    driver,
    attempts: env.integer('BATCH_ATTEMPTS', 1, 20),
    retryBackoffMs: env.integer('BATCH_RETRY_BACKOFF_MS', 1),
    stallMs: env.integer('BATCH_STALL_MS', 500),
    retentionMs: env.integer('BATCH_RETENTION_HOURS', 1, 24 * 365) * 3600_000,
    callbackOrigins,
    callbackSecret,
    callbackBackoffMs: env.integer('CALLBACK_BACKOFF_MS', 1),
  };
}

function loadReportPaths(env: Settings): ReportPathTemplates {
  return {
    student: reportPath(env, 'REPORT_PATH_STUDENT'),
    studentSelf: reportPath(env, 'REPORT_PATH_STUDENT_SELF'),
    teacher: reportPath(env, 'REPORT_PATH_TEACHER'),
    overall: reportPath(env, 'REPORT_PATH_OVERALL'),
  };
}

function reportPath(env: Settings, variable: VariableName): string {
  const value = env.text(variable) ?? '';
  if (!value.startsWith('/') || value.startsWith('//')) {
    throw new ConfigError(`${variable} must be a path starting with "/", got "${value}"`);
  }
  const unknown = [...value.matchAll(/\{([^}]*)\}/g)]
    .map((match) => match[1])
    .find((name) => !['studentId', 'teacherId', 'testId', 'classId'].includes(name));
  if (unknown !== undefined) {
    throw new ConfigError(`${variable} has an unknown placeholder {${unknown}}`);
  }
  return value;
}
