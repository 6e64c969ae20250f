import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import type { Server } from 'node:http';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { assertJsonDepth } from './common/json-depth';
import { serveOpenApi } from './docs/openapi';
import { HttpMetrics } from './metrics';
import type { ServiceConfig } from './config';

/** JSON bodies are small (the trigger, a bulk list of ≤ 500 ids); anything larger is refused with 413. */
const JSON_BODY_LIMIT = '100kb';
/** A batch names up to 5000 + 200 ids of 128 characters: about 1 MB with quotes and commas. */
const BATCH_BODY_LIMIT = '1200kb';

/**
 * Slow or idle clients cannot hold sockets: headers must arrive within 10 s, a whole request (bodies are
 * at most about 1 MB) within 30 s, and an idle keep-alive socket closes after 5 s. Answers are not bounded
 * here: a MISS legitimately takes up to RENDER_TIMEOUT_MS.
 */
export const SERVER_TIMEOUTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

function boundSlowClients(server: Server): void {
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeoutMs;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeoutMs;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeoutMs;
}

/** Builds the application exactly as production runs it; main.ts and the e2e tests share it. */
export async function createApp(config: ServiceConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  const verify = (_req: unknown, _res: unknown, raw: Buffer) => assertJsonDepth(raw);
  // The batch route's larger limit first: a parsed body is not parsed again by the general parser.
  app.use('/internal/batches', json({ limit: BATCH_BODY_LIMIT, verify }));
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, verify });
  app.disable('x-powered-by');
  app.use(app.get(HttpMetrics).middleware);
  boundSlowClients(app.getHttpServer());
  app.use(helmet());
  // Browsers download cross-origin from the allowed frontends and must read the filename and cache status.
  app.enableCors({
    origin: [...config.frontend.allowedOrigins],
    credentials: true,
    methods: ['GET', 'POST', 'HEAD', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['Content-Disposition', 'Content-Length', 'ETag', 'X-Cache'],
  });
  if (config.http.docsEnabled) serveOpenApi(app);
  return app;
}
