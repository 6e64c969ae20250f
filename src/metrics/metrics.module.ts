import { Module } from '@nestjs/common';
import { HttpMetrics } from './http.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';

/** The shared registry and /metrics; modules that count import this module and register their own metrics. */
@Module({
  providers: [
    { provide: MetricsRegistry, useFactory: () => new MetricsRegistry() },
    {
      provide: HttpMetrics,
      useFactory: (registry: MetricsRegistry) => new HttpMetrics(registry),
      inject: [MetricsRegistry],
    },
  ],
  controllers: [MetricsController],
  exports: [MetricsRegistry, HttpMetrics],
})
export class MetricsModule {}
