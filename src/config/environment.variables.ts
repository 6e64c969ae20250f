/**
 * Every environment variable the service reads, with its meaning and default: the one place defaults live.
 * `loadServiceConfig` takes literal defaults from here; docs/configuration.md's table and
 * `.env.example` are checked against this list by `environment.variables.spec.ts`.
 */
export interface EnvironmentVariable {
  name: string;
  meaning: string;
  /** What an unset variable means, as docs/configuration.md says it. */
  defaultText: string;
  /** The literal default the loader uses; undefined when the default is computed or there is none. */
  default?: string;
}

export const ENVIRONMENT_VARIABLES = [
  { name: 'PORT', meaning: 'HTTP port', defaultText: '8080', default: '8080' },
  {
    name: 'HOST',
    meaning: 'listen address: an IP literal or a name that resolves (`127.0.0.1` keeps it on loopback)',
    defaultText: 'all interfaces',
  },
  {
    name: 'NODE_ENV',
    meaning: '`production` makes startup strict',
    defaultText: 'development',
    default: 'development',
  },
  { name: 'LOG_LEVEL', meaning: 'pino level', defaultText: 'info (debug in development)' },
  {
    name: 'DOCS_ENABLED',
    meaning: 'Swagger UI at `/docs`, the OpenAPI document at `/docs-json`',
    defaultText: 'true, false in production',
  },
  {
    name: 'PDF_SERVICE_INTERNAL_TOKEN',
    meaning: 'shared secret for `X-Service-Auth: Bearer …` (≥ 32 characters)',
    defaultText: 'required in production; dev default otherwise',
  },
  {
    name: 'JWT_SECRET',
    meaning: 'HS256 key that verifies user JWTs (the Django SECRET_KEY)',
    defaultText: 'required in production; dev default otherwise',
  },
  {
    name: 'REPORT_TOKEN_ISSUER',
    meaning: '`iss` of report tokens the service mints',
    defaultText: 'inzighted-backend',
    default: 'inzighted-backend',
  },
  {
    name: 'STORAGE_DRIVER',
    meaning: '`s3` or `fs`',
    defaultText: 'required in production; otherwise `s3` when S3_BUCKET is set, else `fs`',
  },
  {
    name: 'STORAGE_DIR',
    meaning: 'root folder of the fs driver',
    defaultText: './var/reports',
    default: './var/reports',
  },
  { name: 'S3_BUCKET', meaning: 'bucket of the s3 driver', defaultText: 'required for s3' },
  { name: 'S3_ENDPOINT', meaning: 'S3-compatible endpoint URL', defaultText: "AWS's own" },
  {
    name: 'S3_FORCE_PATH_STYLE',
    meaning: 'path-style addressing (most S3-compatible servers)',
    defaultText: 'false',
    default: 'false',
  },
  {
    name: 'S3_KEY_PREFIX',
    meaning: 'folder prefix put before every key, ending in `/`',
    defaultText: 'empty',
    default: '',
  },
  { name: 'AWS_REGION', meaning: 'AWS region', defaultText: 'SDK default' },
  {
    name: 'AWS_ACCESS_KEY_ID',
    meaning: 'S3 access key (with the secret; else the SDK default chain)',
    defaultText: 'SDK default chain',
  },
  { name: 'AWS_SECRET_ACCESS_KEY', meaning: 'S3 secret key', defaultText: 'SDK default chain' },
  {
    name: 'DEFAULT_FRONTEND_ORIGIN',
    meaning: 'frontend used when a request names none or one not allowed',
    defaultText: 'required in production; `https://tamilnadu.inzighted.com` otherwise',
  },
  {
    name: 'FRONTEND_ORIGINS',
    meaning: 'comma-separated frontend origins: renders may open their pages, CORS allows them',
    defaultText: 'DEFAULT_FRONTEND_ORIGIN',
  },
  {
    name: 'RENDER_ALLOWED_ORIGINS',
    meaning: "further origins a page's API calls and assets may load from (never documents)",
    defaultText: 'empty',
    default: '',
  },
  { name: 'CHROME_PATH', meaning: 'Chromium executable', defaultText: 'auto-detected system Chromium' },
  {
    name: 'CHROMIUM_SANDBOX',
    meaning: "`on` or `off`: Chromium's own sandbox (needs user namespaces)",
    defaultText: '`off` as root, else `on`',
  },
  { name: 'RENDER_CONCURRENCY', meaning: 'renders at once', defaultText: 'CPUs (min 2)' },
  {
    name: 'RENDER_QUEUE_LIMIT',
    meaning: 'renders waiting; past it 503 with Retry-After',
    defaultText: '100',
    default: '100',
  },
  { name: 'RENDER_TIMEOUT_MS', meaning: "one render's limit", defaultText: '60000', default: '60000' },
  {
    name: 'RENDER_RECYCLE_AFTER',
    meaning: 'browser restart interval (renders)',
    defaultText: '1000',
    default: '1000',
  },
  {
    name: 'RENDER_SLOT_WIPE',
    meaning: 'how a reused slot is proven empty: `protocol` (DevTools queries) or `probe` (a blank document)',
    defaultText: 'protocol',
    default: 'protocol',
  },
  {
    name: 'RENDER_ASSET_CACHE_MB',
    meaning: 'anonymous, publicly cacheable static files (bundle, fonts) kept warm across renders; 0: off',
    defaultText: '64',
    default: '64',
  },
  {
    name: 'RENDER_MAX_PER_VIEWER',
    meaning: 'renders one user may have queued or running; past it 429',
    defaultText: 'no cap',
  },
  {
    name: 'REDIS_URL',
    meaning: 'Redis shared by replicas: batch queue, per-key render locks',
    defaultText: 'none (one replica, in-process)',
  },
  {
    name: 'BATCH_QUEUE',
    meaning: '`memory` or `redis`: where batch items wait',
    defaultText: '`redis` when REDIS_URL is set, else `memory`',
  },
  {
    name: 'BATCH_ATTEMPTS',
    meaning: 'tries of a batch item that fails transiently',
    defaultText: '3',
    default: '3',
  },
  {
    name: 'BATCH_RETRY_BACKOFF_MS',
    meaning: 'first retry delay of a batch item (doubles each time)',
    defaultText: '1000',
    default: '1000',
  },
  {
    name: 'BATCH_STALL_MS',
    meaning: "how long a dead replica's batch items and render locks stay held before others take them",
    defaultText: '30000',
    default: '30000',
  },
  {
    name: 'BATCH_RETENTION_HOURS',
    meaning: 'how long a batch can be looked up',
    defaultText: '24',
    default: '24',
  },
  {
    name: 'CALLBACK_ORIGINS',
    meaning: 'comma-separated origins batch callbacks may go to',
    defaultText: 'empty (no callbacks)',
    default: '',
  },
  {
    name: 'CALLBACK_SECRET',
    meaning: 'HMAC-SHA256 key that signs batch callbacks',
    defaultText: 'required in production with CALLBACK_ORIGINS; the internal token otherwise',
  },
  {
    name: 'CALLBACK_BACKOFF_MS',
    meaning: 'first retry delay of a callback (doubles; 5 attempts)',
    defaultText: '1000',
    default: '1000',
  },
  {
    name: 'RENDER_RATE_PER_MINUTE',
    meaning: 'renders (MISS, BYPASS, bulk entries; never a HIT) one user may cause per minute; past it 429',
    defaultText: 'no limit (recommended: 30)',
  },
  {
    name: 'RENDER_RATE_ADMIN_PER_MINUTE',
    meaning: 'the same budget for admin tokens',
    defaultText: 'no limit',
  },
  { name: 'JWT_ISSUER', meaning: 'required `iss` of user JWTs', defaultText: 'not checked' },
  { name: 'JWT_AUDIENCE', meaning: 'required `aud` of user JWTs', defaultText: 'not checked' },
  {
    name: 'JWT_MAX_AGE_SECONDS',
    meaning: 'longest accepted user JWT lifetime (`exp - iat`)',
    defaultText: 'not checked',
  },
  { name: 'PDF_FORMAT', meaning: 'paper size (a CSS `@page` size wins)', defaultText: 'A4', default: 'A4' },
  { name: 'PDF_PRINT_BACKGROUND', meaning: 'print backgrounds', defaultText: 'true', default: 'true' },
  { name: 'PDF_TAGGED', meaning: 'tagged (accessible) PDF', defaultText: 'true', default: 'true' },
  {
    name: 'PDF_OUTLINE',
    meaning: "document outline from the page's headings",
    defaultText: 'true',
    default: 'true',
  },
  {
    name: 'PDF_PAGE_NUMBERS',
    meaning: 'a small "Page X of Y" footer',
    defaultText: 'false',
    default: 'false',
  },
  {
    name: 'HIT_DELIVERY',
    meaning: '`stream` a stored PDF, or `redirect` (302) to a presigned storage URL (s3 driver only)',
    defaultText: 'stream',
    default: 'stream',
  },
  { name: 'PRESIGN_TTL_SECONDS', meaning: 'lifetime of a presigned URL', defaultText: '60', default: '60' },
  {
    name: 'S3_PUBLIC_ENDPOINT',
    meaning: 'storage endpoint clients can reach, for presigned URLs',
    defaultText: 'S3_ENDPOINT',
  },
  {
    name: 'SHUTDOWN_GRACE_MS',
    meaning: 'drain time on SIGTERM',
    defaultText: '25000',
    default: '25000',
  },
  {
    name: 'REPORT_PATH_STUDENT',
    meaning: 'student report page (a teacher viewing a student, and stored student reports)',
    defaultText: '/report?studentId={studentId}&testId={testId}',
    default: '/report?studentId={studentId}&testId={testId}',
  },
  {
    name: 'REPORT_PATH_STUDENT_SELF',
    meaning: "a student's own view (class-less downloads only)",
    defaultText: '/student-report?testId={testId}',
    default: '/student-report?testId={testId}',
  },
  {
    name: 'REPORT_PATH_TEACHER',
    meaning: 'teacher report page',
    defaultText: '/teacher-report?testId={testId}',
    default: '/teacher-report?testId={testId}',
  },
  {
    name: 'REPORT_PATH_OVERALL',
    meaning: 'class overall report page',
    defaultText: '/report?studentId=overall&testId={testId}',
    default: '/report?studentId=overall&testId={testId}',
  },
] as const satisfies readonly EnvironmentVariable[];

export type VariableName = (typeof ENVIRONMENT_VARIABLES)[number]['name'];
