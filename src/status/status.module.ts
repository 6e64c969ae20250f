import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches';
import { ReportCacheModule } from '../report-cache';
import { ReportStatusController } from './report-status.controller';
import { ReportStatusService } from './report-status.service';

@Module({
  imports: [ReportCacheModule, BatchesModule],
  providers: [ReportStatusService],
  controllers: [ReportStatusController],
})
export class StatusModule {}
