import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory';
import { loadServiceConfig, type ServiceConfig } from '../../src/config';

/** Settings as the service would load them from this environment, quiet and test-flavoured. */
export function testConfig(env: Record<string, string | undefined>): ServiceConfig {
  return loadServiceConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }).config;
}

/** Boots the real module graph; `close()` it in afterAll. */
export async function startTestApp(config: ServiceConfig): Promise<NestExpressApplication> {
  const app = await createApp(config);
  await app.init();
  return app;
}
