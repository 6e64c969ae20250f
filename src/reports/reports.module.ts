import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { CoordinationModule } from '../coordination';
import { FRONTEND_CONFIG, type FrontendConfig } from '../config';
import { MetricsModule } from '../metrics';
import { RendererModule } from '../renderer';
import { StorageModule } from '../storage';
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
  ],
  controllers: [ReportsController],
  exports: [ReportsService],
})
export class ReportsModule {}
