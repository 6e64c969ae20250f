import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { ReportMetrics } from './report-metrics';

@Module({
  providers: [{ provide: ReportMetrics, useFactory: () => new ReportMetrics() }],
  controllers: [MetricsController],
  exports: [ReportMetrics],
})
export class MetricsModule {}
