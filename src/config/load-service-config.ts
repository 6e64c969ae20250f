import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { EnvironmentVariables } from './environment.schema';
import type {
  AuthConfig,
  FrontendConfig,
  NodeEnv,
  RendererConfig,
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

const DEFAULT_FRONTEND_ORIGIN = 'https://tamilnadu.inzighted.com';
const DEV_INTERNAL_TOKEN = 'dev-internal-token-do-not-use-in-production';
const DEV_JWT_SECRET = 'dev-jwt-secret-do-not-use-in-production';
const MIN_INTERNAL_TOKEN_LENGTH = 32;
const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

/**
 * Reads and validates every setting once. Throws `ConfigError` with one line naming the first bad variable.
 * Empty strings count as unset, as in most .env tooling.
 */
export function loadServiceConfig(rawEnv: Env): LoadedConfig {
  const env = withoutEmptyValues(rawEnv);
  checkSchema(env);
  const nodeEnv = (env.NODE_ENV ?? 'development') as NodeEnv;
  const warnings: string[] = [];
  const port = Number(env.PORT ?? '8080');
  if (port < 1 || port > 65535)
    throw new ConfigError(`PORT must be a port number (1-65535), got "${env.PORT}"`);
  const config: ServiceConfig = {
    http: {
      port,
      nodeEnv,
      logLevel: env.LOG_LEVEL ?? (nodeEnv === 'development' ? 'debug' : 'info'),
      prettyLogs: nodeEnv === 'development',
    },
    auth: loadAuth(env, nodeEnv, warnings),
    frontend: loadFrontend(env),
    storage: loadStorage(env),
    renderer: loadRenderer(env),
  };
  return { config, warnings };
}

function withoutEmptyValues(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') out[name] = value;
  return out;
}

function checkSchema(env: Record<string, string>): void {
  const candidate = plainToInstance(EnvironmentVariables, env);
  const [first] = validateSync(candidate, { stopAtFirstError: true });
  if (first) {
    const message = Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`;
    throw new ConfigError(message);
  }
}

function loadAuth(env: Record<string, string>, nodeEnv: NodeEnv, warnings: string[]): AuthConfig {
  const strict = nodeEnv === 'production';
  let internalToken = env.PDF_SERVICE_INTERNAL_TOKEN;
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
  let jwtSecret = env.JWT_SECRET;
  if (jwtSecret === undefined) {
    if (strict) throw new ConfigError('JWT_SECRET is missing (NODE_ENV=production)');
    warnings.push('JWT_SECRET is missing: using the development default; production refuses this');
    jwtSecret = DEV_JWT_SECRET;
  }
  return {
    internalToken: internalToken ?? DEV_INTERNAL_TOKEN,
    jwtSecret,
    reportTokenIssuer: env.REPORT_TOKEN_ISSUER ?? 'inzighted-backend',
  };
}

function loadFrontend(env: Record<string, string>): FrontendConfig {
  const defaultOrigin = parseOrigin(
    'DEFAULT_FRONTEND_ORIGIN',
    env.DEFAULT_FRONTEND_ORIGIN ?? DEFAULT_FRONTEND_ORIGIN,
  );
  const listed = (env.FRONTEND_ORIGINS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => parseOrigin('FRONTEND_ORIGINS', entry));
  return { defaultOrigin, allowedOrigins: [...new Set([defaultOrigin, ...listed])] };
}

/** Accepts exactly an origin (scheme, host, optional port; a trailing slash is tolerated). */
function parseOrigin(variable: string, value: string): string {
  const bare = value.endsWith('/') ? value.slice(0, -1) : value;
  let url: URL;
  try {
    url = new URL(bare);
  } catch {
    throw new ConfigError(`${variable} entry "${value}" is not an http(s) origin`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== bare) {
    throw new ConfigError(`${variable} entry "${value}" is not an http(s) origin (scheme://host[:port])`);
  }
  return url.origin;
}

function loadStorage(env: Record<string, string>): StorageConfig {
  const driver = env.STORAGE_DRIVER ?? (env.S3_BUCKET ? 's3' : 'fs');
  if (driver === 'fs') return { driver, dir: resolve(env.STORAGE_DIR ?? './var/reports') };
  return {
    driver: 's3',
    // The schema guarantees S3_BUCKET for an explicit s3 driver; the implicit one is chosen only when it is set.
    bucket: env.S3_BUCKET ?? '',
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: /^(true|1)$/i.test(env.S3_FORCE_PATH_STYLE ?? 'false'),
    keyPrefix: env.S3_KEY_PREFIX ?? '',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    credentials:
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
        : undefined,
  };
}

function loadRenderer(env: Record<string, string>): RendererConfig {
  if (env.CHROME_PATH !== undefined && !existsSync(env.CHROME_PATH)) {
    throw new ConfigError(`CHROME_PATH "${env.CHROME_PATH}" does not exist`);
  }
  return {
    chromePath: env.CHROME_PATH ?? CHROMIUM_CANDIDATES.find((path) => existsSync(path)),
    concurrency: Number(env.RENDER_CONCURRENCY ?? Math.max(2, availableParallelism())),
    queueLimit: Number(env.RENDER_QUEUE_LIMIT ?? 100),
    timeoutMs: Number(env.RENDER_TIMEOUT_MS ?? 60000),
    recycleAfter: Number(env.RENDER_RECYCLE_AFTER ?? 1000),
    shutdownGraceMs: Number(env.SHUTDOWN_GRACE_MS ?? 25000),
    reportPaths: {
      student: reportPath(env, 'REPORT_PATH_STUDENT', '/report?studentId={studentId}&testId={testId}'),
      studentSelf: reportPath(env, 'REPORT_PATH_STUDENT_SELF', '/student-report?testId={testId}'),
      teacher: reportPath(env, 'REPORT_PATH_TEACHER', '/teacher-report?testId={testId}'),
      overall: reportPath(env, 'REPORT_PATH_OVERALL', '/report?studentId=overall&testId={testId}'),
    },
  };
}

function reportPath(env: Record<string, string>, variable: string, fallback: string): string {
  const value = env[variable] ?? fallback;
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
