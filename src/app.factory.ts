import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { assertJsonDepth } from './common/json-depth';
import type { ServiceConfig } from './config';

/** JSON bodies are small (the trigger, a bulk list of ≤ 500 ids); anything larger is refused with 413. */
const JSON_BODY_LIMIT = '100kb';

/** Builds the application exactly as production runs it; main.ts and the e2e tests share it. */
export async function createApp(config: ServiceConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', {
    limit: JSON_BODY_LIMIT,
    verify: (_req: unknown, _res: unknown, raw: Buffer) => assertJsonDepth(raw),
  });
  app.disable('x-powered-by');
  app.use(helmet());
  // Browsers download cross-origin from the allowed frontends and must read the filename and cache status.
  app.enableCors({
    origin: [...config.frontend.allowedOrigins],
    credentials: true,
    methods: ['GET', 'POST', 'HEAD', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['Content-Disposition', 'Content-Length', 'ETag', 'X-Cache'],
  });
  return app;
}
