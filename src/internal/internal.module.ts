import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { ReportsModule } from '../reports';
import { InternalController } from './internal.controller';

@Module({
  imports: [AuthModule, ReportsModule],
  controllers: [InternalController],
})
export class InternalModule {}
