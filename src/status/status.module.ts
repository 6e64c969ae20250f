import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches';
import { CoordinationModule } from '../coordination';
import { ReportsModule } from '../reports';
import { StorageModule } from '../storage';
import { ReportStatusController } from './report-status.controller';
import { ReportStatusService } from './report-status.service';

@Module({
  imports: [ReportsModule, BatchesModule, CoordinationModule, StorageModule],
  providers: [ReportStatusService],
  controllers: [ReportStatusController],
})
export class StatusModule {}
