import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { MetricsModule } from '../metrics';
import { RendererModule } from '../renderer';
import { StorageModule } from '../storage';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({
  imports: [AuthModule, StorageModule, RendererModule, MetricsModule],
  providers: [ReportsService],
  controllers: [ReportsController],
  exports: [ReportsService],
})
export class ReportsModule {}
