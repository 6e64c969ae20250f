import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { ReportTokens } from './report-tokens';
import { ServiceTokenGuard } from './service-token.guard';
import { UserJwtGuard } from './user-jwt.guard';

/** Registered `useExisting`, so tests can override either guard by its class. */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AUTH_CONFIG],
      useFactory: (auth: AuthConfig) => {
        // One KeyObject for the process: given a string, jsonwebtoken first tries (and fails) to parse it as a
        // public key on every call, which was the largest CPU cost of a stored-PDF download.
        const key = createSecretKey(Buffer.from(auth.jwtSecret));
        return { secretOrKeyProvider: () => key };
      },
    }),
  ],
  providers: [
    UserJwtGuard,
    ServiceTokenGuard,
    ReportTokens,
    { provide: APP_GUARD, useExisting: UserJwtGuard },
  ],
  exports: [ServiceTokenGuard, ReportTokens],
})
export class AuthModule {}
