import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory';
import { ConfigError, loadServiceConfig, readEnvironment, type LoadedConfig } from './config';

async function bootstrap(): Promise<void> {
  const { config, warnings } = loadConfigOrExit();
  const app = await createApp(config);
  const logger = app.get(Logger);
  for (const warning of warnings) logger.warn(`CONFIG WARNING: ${warning}`);
  app.enableShutdownHooks();
  await app.listen(config.http.port);
  logger.log(`listening on port ${config.http.port} (storage: ${config.storage.driver})`);
}

/** A bad setting ends the process at once with one line naming the variable. */
function loadConfigOrExit(): LoadedConfig {
  try {
    return loadServiceConfig(readEnvironment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
