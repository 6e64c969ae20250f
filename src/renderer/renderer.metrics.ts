import { Counter, Gauge, Histogram } from 'prom-client';
import type { RenderFailureReason } from '../common/domain.errors';
import type { MetricsRegistry } from '../metrics';
import type { RendererStatus } from './pdf-renderer';
import type { RenderObserver } from './puppeteer.renderer';
import type { AssetOutcome } from './static-asset-cache';

/** The renderer's instruments: what every render, relaunch and refused request reports, and the queue. */
export class RendererMetrics implements RenderObserver {
  private readonly duration: Histogram;
  private readonly failures: Counter<'reason'>;
  private readonly relaunches: Counter;
  private readonly blocked: Counter;
  private readonly assets: Counter<'outcome'>;
  private readonly slots: Counter<'outcome'>;

  constructor(registry: MetricsRegistry, load: () => RendererStatus) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'pdf_render_duration_seconds',
      help: 'Successful render duration',
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers,
    });
    this.failures = new Counter({
      name: 'pdf_render_failures_total',
      help: 'Failed renders by reason',
      labelNames: ['reason'] as const,
      registers,
    });
    this.blocked = new Counter({
      name: 'pdf_render_blocked_requests_total',
      help: 'Requests a report page made outside the allowed origins, refused inside Chromium',
      registers,
    });
    this.assets = new Counter({
      name: 'pdf_render_asset_cache_total',
      help: 'Static files a report page asked for: served warm (hit), fetched and kept (stored), left to the page (unshareable, fetch_failed)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.slots = new Counter({
      name: 'pdf_render_slots_settled_total',
      help: 'Render slots after a render: wiped and verified empty, so reused (reused), or closed (closed)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.relaunches = new Counter({
      name: 'pdf_browser_relaunches_total',
      help: 'Chromium launches after the first (crash recovery or recycling)',
      registers,
    });
    const active: Gauge = new Gauge({
      name: 'pdf_render_queue_active',
      help: 'Renders running now',
      registers,
      collect: () => active.set(load().active),
    });
    const waiting: Gauge = new Gauge({
      name: 'pdf_render_queue_waiting',
      help: 'Renders waiting for a slot',
      registers,
      collect: () => waiting.set(load().waiting),
    });
  }

  rendered(durationMs: number): void {
    this.duration.observe(durationMs / 1000);
  }

  failed(reason: RenderFailureReason): void {
    this.failures.inc({ reason });
  }

  relaunched(): void {
    this.relaunches.inc();
  }

  blockedRequest(): void {
    this.blocked.inc();
  }

  assetCache(outcome: AssetOutcome): void {
    this.assets.inc({ outcome });
  }

  slotSettled(outcome: 'reused' | 'closed'): void {
    this.slots.inc({ outcome });
  }
}
