import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RendererModule } from '../renderer';
import { StorageModule } from '../storage';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), StorageModule, RendererModule],
  controllers: [HealthController],
})
export class HealthModule {}
