import { DynamicModule, Global, Module } from '@nestjs/common';
import {
  AUTH_CONFIG,
  BATCHES_CONFIG,
  FRONTEND_CONFIG,
  HTTP_CONFIG,
  REDIS_CONFIG,
  RENDERER_CONFIG,
  REPORTS_CONFIG,
  STORAGE_CONFIG,
  type ServiceConfig,
} from './service-config';

/**
 * Provides the validated settings, one token per namespace. The settings are loaded and checked in
 * `main.ts` before the container boots, so a bad value ends the process with one line, not a stack trace.
 * (Not `@nestjs/config`: its validation runs inside the container, which would turn a bad value into Nest's
 * abort with a stack trace.)
 */
@Global()
@Module({})
export class SettingsModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    const providers = [
      { provide: HTTP_CONFIG, useValue: config.http },
      { provide: AUTH_CONFIG, useValue: config.auth },
      { provide: FRONTEND_CONFIG, useValue: config.frontend },
      { provide: STORAGE_CONFIG, useValue: config.storage },
      { provide: RENDERER_CONFIG, useValue: config.renderer },
      { provide: REPORTS_CONFIG, useValue: config.reports },
      { provide: BATCHES_CONFIG, useValue: config.batches },
      { provide: REDIS_CONFIG, useValue: config.redis },
    ];
    return { module: SettingsModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
