import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The app's one Prometheus registry (no global state, so every app instance and test gets fresh counters).
 * Each module registers and owns its own instruments on it; /metrics reads it.
 */
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: 'pdf_service_' });
  }
}
