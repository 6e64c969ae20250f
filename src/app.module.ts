import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DomainExceptionFilter } from './common/domain-exception.filter';
import { requestIdOf } from './common/request-id';
import { ConfigModule, HTTP_CONFIG, type HttpConfig, type ServiceConfig } from './config';
import { HealthModule } from './health/health.module';

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
        HealthModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
        },
      ],
    };
  }
}
