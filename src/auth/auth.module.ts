import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ReportTokens } from './report-tokens';
import { ServiceTokenGuard } from './service-token.guard';
import { UserJwtGuard } from './user-jwt.guard';

/** Registered `useExisting`, so tests can override either guard by its class. */
@Module({
  imports: [JwtModule.register({})],
  providers: [
    UserJwtGuard,
    ServiceTokenGuard,
    ReportTokens,
    { provide: APP_GUARD, useExisting: UserJwtGuard },
  ],
  exports: [ServiceTokenGuard, ReportTokens],
})
export class AuthModule {}
