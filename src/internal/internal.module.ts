import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { BatchesModule } from '../batches';
import { ReportsModule } from '../reports';
import { BatchesController } from './batches.controller';
import { InternalController } from './internal.controller';

@Module({
  imports: [AuthModule, ReportsModule, BatchesModule],
  controllers: [InternalController, BatchesController],
})
export class InternalModule {}
