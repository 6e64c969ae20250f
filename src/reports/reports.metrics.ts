import { Counter } from 'prom-client';
import type { MetricsRegistry } from '../metrics';

export type CacheResult = 'hit' | 'miss' | 'bypass';

/** Counts one decision (hit / miss / bypass) under the label of whoever asked. */
export type CacheTally = (cache: CacheResult) => void;

/** What the reports policy counts: each HIT / MISS / BYPASS decision, and renders refused to a viewer. */
export class ReportsMetrics {
  private readonly requests: Counter<'route' | 'cache'>;
  private readonly rejected: Counter<'reason'>;

  constructor(registry: MetricsRegistry) {
    this.requests = new Counter({
      name: 'pdf_requests_total',
      help: 'PDF requests by route and cache result (hit / miss / bypass)',
      labelNames: ['route', 'cache'] as const,
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'pdf_render_rejected_total',
      help: 'Renders refused to a viewer: budget spent (rate) or too many at once (concurrent)',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
  }

  /** The tally of one route: the label stays with the edge that knows it. */
  tally(route: string): CacheTally {
    return (cache) => this.requests.inc({ route, cache });
  }

  renderRejected(reason: 'rate' | 'concurrent'): void {
    this.rejected.inc({ reason });
  }
}
