import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** The real app on the fs driver in a fresh temp folder, rendering from `frontendOrigin`. */
export async function startFsTestApp(
  frontendOrigin: string,
  env: Record<string, string> = {},
): Promise<{ app: NestExpressApplication; dir: string; removeDir(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pdf-service-test-'));
  const app = await startTestApp(
    testConfig({
      STORAGE_DIR: dir,
      FRONTEND_ORIGINS: frontendOrigin,
      DEFAULT_FRONTEND_ORIGIN: frontendOrigin,
      ...env,
    }),
  );
  return { app, dir, removeDir: () => rm(dir, { recursive: true, force: true }) };
}
