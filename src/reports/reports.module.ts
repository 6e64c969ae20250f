import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { CoordinationModule, RedisConnection } from '../coordination';
import { FRONTEND_CONFIG, REPORTS_CONFIG, type FrontendConfig, type ReportsConfig } from '../config';
import { MetricsModule } from '../metrics';
import { RendererModule } from '../renderer';
import { StorageModule } from '../storage';
import { RenderBudget } from './render-budget';
import { ReportPageUrls } from './report-page-urls';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({
  imports: [AuthModule, StorageModule, RendererModule, MetricsModule, CoordinationModule],
  providers: [
    ReportsService,
    {
      provide: ReportPageUrls,
      useFactory: (frontend: FrontendConfig) => new ReportPageUrls(frontend),
      inject: [FRONTEND_CONFIG],
    },
    {
      provide: RenderBudget,
      useFactory: (config: ReportsConfig, redis: RedisConnection) =>
        new RenderBudget(config.renderRatePerMinute, config.renderRateAdminPerMinute, redis.client),
      inject: [REPORTS_CONFIG, RedisConnection],
    },
  ],
  controllers: [ReportsController],
  exports: [ReportsService],
})
export class ReportsModule {}
