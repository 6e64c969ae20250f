import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import type { MetricsRegistry } from './metrics-registry';

/** Every request's duration by method, route pattern (not the URL: bounded labels) and status class. */
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_class'>;

  constructor(registry: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'pdf_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status class (probes included)',
      labelNames: ['method', 'route', 'status_class'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  }

  /** Express middleware observing each request when its answer is finished. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const route: unknown = (req.route as { path?: unknown } | undefined)?.path;
      this.duration.observe(
        {
          method: req.method,
          route: typeof route === 'string' ? route : 'unmatched',
          status_class: `${Math.floor(res.statusCode / 100)}xx`,
        },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
