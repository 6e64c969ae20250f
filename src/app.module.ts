import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { DomainExceptionFilter } from './common/domain-exception.filter';
import { requestIdOf } from './common/request-id';
import { ConfigModule, HTTP_CONFIG, type HttpConfig, type ServiceConfig } from './config';
import { AuthModule } from './auth';
import { HealthModule } from './health/health.module';
import { InternalModule } from './internal/internal.module';
import { MetricsModule } from './metrics';
import { ReportsModule } from './reports/reports.module';

@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRootAsync({
          inject: [HTTP_CONFIG],
          useFactory: (http: HttpConfig) => ({
            pinoHttp: {
              level: http.logLevel,
              genReqId: requestIdOf,
              customProps: () => ({ service: 'pdf-report-service' }),
              transport: http.prettyLogs
                ? { target: 'pino-pretty', options: { singleLine: true } }
                : undefined,
              // Tokens must never reach the logs.
              redact: ['req.headers.authorization', 'req.headers["x-service-auth"]', 'req.headers.cookie'],
            },
            forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
          }),
        }),
        AuthModule,
        HealthModule,
        MetricsModule,
        ReportsModule,
        InternalModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: DomainExceptionFilter }],
    };
  }
}
