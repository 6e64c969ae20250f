import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { CoordinationModule, RedisConnection } from '../coordination';
import { FRONTEND_CONFIG, REPORTS_CONFIG, type FrontendConfig, type ReportsConfig } from '../config';
import { MetricsModule, MetricsRegistry } from '../metrics';
import { RendererModule } from '../renderer';
import { ReportCacheModule } from '../report-cache';
import { RenderBudget } from './render-budget';
import { ReportPageUrls } from './report-page-urls';
import { ReportsController } from './reports.controller';
import { ReportsMetrics } from './reports.metrics';
import { ReportsService } from './reports.service';
import { ViewerRenders } from './viewer-renders';

@Module({
  imports: [AuthModule, ReportCacheModule, RendererModule, MetricsModule, CoordinationModule],
  providers: [
    ReportsService,
    {
      provide: ReportPageUrls,
      useFactory: (frontend: FrontendConfig) => new ReportPageUrls(frontend),
      inject: [FRONTEND_CONFIG],
    },
    {
      provide: ReportsMetrics,
      useFactory: (registry: MetricsRegistry) => new ReportsMetrics(registry),
      inject: [MetricsRegistry],
    },
    {
      provide: ViewerRenders,
      useFactory: (config: ReportsConfig, redis: RedisConnection, metrics: ReportsMetrics) =>
        new ViewerRenders(
          new RenderBudget(config.renderRatePerMinute, config.renderRateAdminPerMinute, redis.client),
          config.maxRendersPerViewer,
          metrics,
        ),
      inject: [REPORTS_CONFIG, RedisConnection, ReportsMetrics],
    },
  ],
  controllers: [ReportsController],
  exports: [ReportsService, ReportPageUrls, ReportsMetrics],
})
export class ReportsModule {}
