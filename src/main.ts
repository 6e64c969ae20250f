// First: tracing must patch http and express before they are loaded.
import { telemetry } from './telemetry/tracing';
import 'reflect-metadata';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory';
import { ConfigError, loadServiceConfig, readEnvironment, type LoadedConfig } from './config';

/** Past SHUTDOWN_GRACE_MS, the closing steps after the drain (Chromium, connections) get this long. */
const SHUTDOWN_SLACK_MS = 5000;

async function bootstrap(): Promise<void> {
  const { config, warnings } = loadConfigOrExit();
  await assertListenAddress(config.http.host);
  const app = await createApp(config);
  const logger = app.get(Logger);
  for (const warning of warnings) logger.warn(`CONFIG WARNING: ${warning}`);
  if (config.http.host === undefined) await app.listen(config.http.port);
  else await app.listen(config.http.port, config.http.host);
  const where = config.http.host === undefined ? 'every interface' : config.http.host;
  logger.log(`listening on ${where}, port ${config.http.port} (storage: ${config.storage.driver})`);
  // Not enableShutdownHooks(): it re-raises the signal after closing, so the exit status would say "killed".
  // Closing drains renders in flight (SHUTDOWN_GRACE_MS), closes Chromium, then exits 0.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        // A second signal: stop now. The renderer's exit hook kills Chromium's process group on the way out.
        logger.warn(`${signal} received again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      logger.log(`${signal} received: draining and shutting down`);
      // Every step of the shutdown is bounded; this is the net under them all.
      setTimeout(() => {
        logger.error('shutdown did not finish in time: exiting');
        process.exit(1);
      }, config.renderer.shutdownGraceMs + SHUTDOWN_SLACK_MS).unref();
      app
        .close()
        .then(() => telemetry?.shutdown())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
}

/** HOST must be an IP literal or a name that resolves; otherwise exit 1 with a line naming it. */
async function assertListenAddress(host: string | undefined): Promise<void> {
  if (host === undefined || isIP(host) !== 0) return;
  try {
    await lookup(host);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
    process.stderr.write(
      `Invalid configuration: HOST "${host}" is neither an IP address nor a name that resolves (${reason})\n`,
    );
    process.exit(1);
  }
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
  process.stderr.write(`Startup failed: ${describe(error)}\n`);
  process.exit(1);
});

/** The error and its causes, one after the other ("Chromium could not be launched …: because …"). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    if (!(current instanceof Error)) {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      break;
    }
    const detail = 'detail' in current && typeof current.detail === 'string' ? ` (${current.detail})` : '';
    parts.push(current.message + detail);
    current = current.cause;
  }
  return parts.join(': ');
}
