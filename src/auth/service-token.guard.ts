import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { Unauthenticated } from '../common/domain.errors';

/**
 * Protects /internal: `X-Service-Auth: Bearer <PDF_SERVICE_INTERNAL_TOKEN>`, compared in constant time
 * (both sides hashed first, so neither the content nor the length leaks through timing).
 */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(AUTH_CONFIG) config: AuthConfig) {
    this.expected = digest(config.internalToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers['x-service-auth'];
    const given =
      typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (given === '' || !timingSafeEqual(digest(given), this.expected)) {
      throw new Unauthenticated('missing or wrong X-Service-Auth');
    }
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
