import { HealthChangeLogger } from './health-change.logger';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CoordinationModule } from '../coordination';
import { RendererModule } from '../renderer';
import { StorageModule } from '../storage';
import { HealthController } from './health.controller';

@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json', logger: HealthChangeLogger }),
    StorageModule,
    RendererModule,
    CoordinationModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
