import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth';
import { DomainExceptionFilter } from './common/domain-exception.filter';
import { requestIdOf } from './common/request-id';
import { HTTP_CONFIG, SettingsModule, type HttpConfig, type ServiceConfig } from './config';
import { HealthModule } from './health/health.module';
import { InternalModule } from './internal/internal.module';
import { MetricsModule } from './metrics';
import { ReportsModule } from './reports';
import { traceFields } from './telemetry/spans';
import { StatusModule } from './status/status.module';

const SERVICE_NAME = 'pdf-report-service';

/** Probes and scrapes come every few seconds; an access line for each would bury the requests that matter. */
function isProbe(req: IncomingMessage): boolean {
  const path = (req.url ?? '').split('?')[0];
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(config),
        LoggerModule.forRootAsync({
          inject: [HTTP_CONFIG],
          useFactory: (http: HttpConfig) => ({
            pinoHttp: {
              level: http.logLevel,
              base: { service: SERVICE_NAME },
              // Lines written inside a traced request carry its trace and span ids.
              mixin: traceFields,
              genReqId: requestIdOf,
              // Lines written during a request carry only its id, not the whole request.
              quietReqLogger: true,
              customAttributeKeys: { reqId: 'requestId' },
              autoLogging: { ignore: isProbe },
              // One short access line (requestId, method, url, statusCode, responseTime): no header dumps,
              // and so no tokens, in the logs. The messages stay the same across releases for searches.
              serializers: {
                req: (req: IncomingMessage) => ({ method: req.method, url: req.url }),
                res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
              },
              customSuccessMessage: () => 'request completed',
              customErrorMessage: () => 'request failed',
              transport: http.prettyLogs
                ? { target: 'pino-pretty', options: { singleLine: true } }
                : undefined,
            },
            forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
          }),
        }),
        AuthModule,
        HealthModule,
        MetricsModule,
        ReportsModule,
        StatusModule,
        InternalModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: DomainExceptionFilter }],
    };
  }
}
