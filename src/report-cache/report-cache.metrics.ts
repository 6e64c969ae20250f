import { Counter } from 'prom-client';
import type { MetricsRegistry } from '../metrics';

/** What the cache counts: storage operations that failed (a read failure is answered as a miss). */
export class ReportCacheMetrics {
  private readonly storageErrors: Counter<'operation'>;

  constructor(registry: MetricsRegistry) {
    this.storageErrors = new Counter({
      name: 'pdf_storage_errors_total',
      help: 'Storage operations that failed, by operation',
      labelNames: ['operation'] as const,
      registers: [registry],
    });
  }

  storageFailed(operation: 'read' | 'write'): void {
    this.storageErrors.inc({ operation });
  }
}
