/** Typed settings, one interface per namespace; built once at startup by `loadServiceConfig`. */

export type NodeEnv = 'development' | 'production' | 'test';

export interface HttpConfig {
  port: number;
  /** The listen address; undefined = every interface. Checked to resolve at startup (main.ts). */
  host: string | undefined;
  nodeEnv: NodeEnv;
  logLevel: string;
  /** Human-readable logs instead of JSON lines. */
  prettyLogs: boolean;
  /** Serve /docs and /docs-json. */
  docsEnabled: boolean;
}

export interface AuthConfig {
  /** Shared secret the Django backend sends as `X-Service-Auth: Bearer …`. */
  internalToken: string;
  /** HS256 key that verifies user JWTs (the Django SECRET_KEY). */
  jwtSecret: string;
  /** `iss` of the report tokens the service mints itself. */
  reportTokenIssuer: string;
  /** When set, user JWTs must carry this `iss` / `aud`, and live at most `jwtMaxAgeSeconds`. */
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  jwtMaxAgeSeconds: number | undefined;
}

export interface FrontendConfig {
  defaultOrigin: string;
  /** The origins renders may open and CORS allows; always includes `defaultOrigin`. */
  allowedOrigins: readonly string[];
  /** Report page path templates; placeholders {studentId} {teacherId} {testId} {classId}. */
  reportPaths: ReportPathTemplates;
}

export interface FsStorageConfig {
  driver: 'fs';
  /** Absolute root folder. */
  dir: string;
}

export interface S3StorageConfig {
  driver: 's3';
  bucket: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Prepended to every key by the S3 driver, and only there. */
  keyPrefix: string;
  /** The endpoint presigned URLs name (clients must reach it); default the endpoint itself. */
  publicEndpoint: string | undefined;
  region: string | undefined;
  /** Explicit keys when both are set; otherwise the SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export type StorageConfig = FsStorageConfig | S3StorageConfig;

export interface ReportPathTemplates {
  student: string;
  studentSelf: string;
  teacher: string;
  overall: string;
}

export interface RendererConfig {
  /** Chromium executable; undefined when none was configured or found. */
  chromePath: string | undefined;
  /** Chromium's own sandbox; off adds `--no-sandbox`. */
  sandbox: boolean;
  concurrency: number;
  queueLimit: number;
  timeoutMs: number;
  recycleAfter: number;
  shutdownGraceMs: number;
  /** Origins a render's documents (main page, redirects, frames) may come from: the frontends. */
  documentOrigins: readonly string[];
  /** Further origins for a page's other requests (its API, a CDN). */
  resourceOrigins: readonly string[];
  /** Bytes of publicly cacheable static files kept warm across renders; 0 turns that off. */
  assetCacheBytes: number;
  /** How a slot is proven empty before reuse: DevTools queries, or a probe document on each origin. */
  slotWipe: 'protocol' | 'probe';
  pdf: PdfOptions;
}

/** How pages are printed. */
export interface PdfOptions {
  format: 'A4' | 'A3' | 'A5' | 'Letter' | 'Legal' | 'Tabloid';
  printBackground: boolean;
  tagged: boolean;
  outline: boolean;
  pageNumbers: boolean;
}

export interface ReportsConfig {
  /** Renders one viewer may have queued or running at once; undefined = no cap. */
  maxRendersPerViewer: number | undefined;
  /** Students of one bulk download in progress at once. */
  bulkConcurrency: number;
  /** How long a render waits for another replica's render of the same key. */
  lockWaitMs: number;
  /** Renders a viewer may cause per minute (undefined = no limit); admins have their own budget. */
  renderRatePerMinute: number | undefined;
  renderRateAdminPerMinute: number | undefined;
  /** HIT answers: the bytes, or a 302 to a presigned storage URL valid `presignTtlSeconds`. */
  hitDelivery: 'stream' | 'redirect';
  presignTtlSeconds: number;
}

/** The Redis replicas share (per-key render locks, the purge log, render budgets, the redis batch queue). */
export interface RedisConfig {
  /** Unset: one replica, everything in process. */
  url: string | undefined;
  /** How long a render lock outlives a holder that stopped renewing it (BATCH_STALL_MS). */
  lockTtlMs: number;
}

export interface BatchesConfig {
  driver: 'memory' | 'redis';
  attempts: number;
  retryBackoffMs: number;
  /** Stalled-item detection: a replica silent this long loses its items to the others. */
  stallMs: number;
  retentionMs: number;
  callbackOrigins: readonly string[];
  callbackSecret: string;
  callbackBackoffMs: number;
}

export interface ServiceConfig {
  http: HttpConfig;
  auth: AuthConfig;
  frontend: FrontendConfig;
  storage: StorageConfig;
  renderer: RendererConfig;
  reports: ReportsConfig;
  batches: BatchesConfig;
  redis: RedisConfig;
}

/** Injection tokens, one per namespace. */
export const HTTP_CONFIG = Symbol('config.http');
export const AUTH_CONFIG = Symbol('config.auth');
export const FRONTEND_CONFIG = Symbol('config.frontend');
export const STORAGE_CONFIG = Symbol('config.storage');
export const RENDERER_CONFIG = Symbol('config.renderer');
export const REPORTS_CONFIG = Symbol('config.reports');
export const BATCHES_CONFIG = Symbol('config.batches');
export const REDIS_CONFIG = Symbol('config.redis');
