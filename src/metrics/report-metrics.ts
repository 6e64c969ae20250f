import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RenderFailureReason } from '../common/domain.errors';
import type { AssetOutcome } from '../renderer/static-asset-cache';

export type CacheResult = 'hit' | 'miss' | 'bypass';

/** A source for the queue gauges, read at scrape time. */
export type RenderLoadSource = () => { active: number; waiting: number };

/**
 * The service's Prometheus instruments, in a registry of its own (no global state, so every app instance
 * and test gets fresh counters).
 */
export class ReportMetrics {
  readonly registry = new Registry();
  private loadSource: RenderLoadSource = () => ({ active: 0, waiting: 0 });
  private backlogSource: () => Promise<number> = () => Promise.resolve(0);

  readonly requests = new Counter({
    name: 'pdf_requests_total',
    help: 'PDF requests by route and cache result (hit / miss / bypass)',
    labelNames: ['route', 'cache'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'pdf_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status class (probes included)',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly renderDuration = new Histogram({
    name: 'pdf_render_duration_seconds',
    help: 'Successful render duration',
    buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });

  readonly renderFailures = new Counter({
    name: 'pdf_render_failures_total',
    help: 'Failed renders by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly storageErrors = new Counter({
    name: 'pdf_storage_errors_total',
    help: 'Storage operations that failed, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly blockedRequests = new Counter({
    name: 'pdf_render_blocked_requests_total',
    help: 'Requests a report page made outside the allowed origins, refused inside Chromium',
    registers: [this.registry],
  });

  readonly assetCache = new Counter({
    name: 'pdf_render_asset_cache_total',
    help: 'Static files a report page asked for: served warm (hit), fetched and kept (stored), left to the page (unshareable, fetch_failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly renderRejected = new Counter({
    name: 'pdf_render_rejected_total',
    help: 'Renders refused to a viewer: budget spent (rate) or too many at once (concurrent)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly callbacks = new Counter({
    name: 'pdf_batch_callbacks_total',
    help: 'Batch callbacks by outcome (delivered / failed after every attempt)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly batchItems = new Counter({
    name: 'pdf_batch_items',
    help: 'Batch items this replica finished, by state (succeeded / failed / retried)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly browserRelaunches = new Counter({
    name: 'pdf_browser_relaunches_total',
    help: 'Chromium launches after the first (crash recovery or recycling)',
    registers: [this.registry],
  });

  constructor() {
    const active: Gauge = new Gauge({
      name: 'pdf_render_queue_active',
      help: 'Renders running now',
      registers: [this.registry],
      collect: () => active.set(this.loadSource().active),
    });
    const waiting: Gauge = new Gauge({
      name: 'pdf_render_queue_waiting',
      help: 'Renders waiting for a slot',
      registers: [this.registry],
      collect: () => waiting.set(this.loadSource().waiting),
    });
    const backlog: Gauge = new Gauge({
      name: 'pdf_batch_waiting',
      help: 'Batch items waiting to be rendered, across replicas (scale on this)',
      registers: [this.registry],
      collect: async () => backlog.set(await this.backlogSource()),
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'pdf_service_' });
  }

  observeRenderLoad(source: RenderLoadSource): void {
    this.loadSource = source;
  }

  /** The batch backlog (items waiting in the queue, every replica's): the autoscaling signal. */
  observeBatchBacklog(source: () => Promise<number>): void {
    this.backlogSource = source;
  }

  /** The renderer's observer, feeding the render instruments. */
  readonly renderObserver = {
    rendered: (durationMs: number) => this.renderDuration.observe(durationMs / 1000),
    failed: (reason: RenderFailureReason) => this.renderFailures.inc({ reason }),
    relaunched: () => this.browserRelaunches.inc(),
    blockedRequest: () => this.blockedRequests.inc(),
    assetCache: (outcome: AssetOutcome) => this.assetCache.inc({ outcome }),
  };
}
