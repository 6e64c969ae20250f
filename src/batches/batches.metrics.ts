import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics';

/** Batch instruments: items finished and callbacks by outcome, and the fleet's backlog (the scaling signal). */
export class BatchesMetrics {
  private readonly callbacks: Counter<'outcome'>;
  private readonly items: Counter<'state'>;

  private backlog: () => Promise<number> = () => Promise.resolve(0);

  constructor(registry: MetricsRegistry) {
    const registers = [registry];
    this.callbacks = new Counter({
      name: 'pdf_batch_callbacks_total',
      help: 'Batch callbacks by outcome (delivered / failed after every attempt)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.items = new Counter({
      name: 'pdf_batch_items',
      help: 'Batch items this replica finished, by state (succeeded / failed / retried)',
      labelNames: ['state'] as const,
      registers,
    });
    const waiting: Gauge = new Gauge({
      name: 'pdf_batch_waiting',
      help: 'Batch items waiting to be rendered, across replicas (scale on this)',
      registers,
      // Redis unreachable: the gauge reads "unknown" (NaN) instead of failing the whole scrape.
      collect: async () => waiting.set(await this.backlog().catch(() => Number.NaN)),
    });
  }

  /** The runner's backlog, read at scrape time (the runner is built after the metrics it uses). */
  observeBacklog(source: () => Promise<number>): void {
    this.backlog = source;
  }

  callback(outcome: 'delivered' | 'failed'): void {
    this.callbacks.inc({ outcome });
  }

  item(state: 'succeeded' | 'failed' | 'retried'): void {
    this.items.inc({ state });
  }
}
