import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { Unauthenticated } from '../common/domain.errors';
import type { AuthenticatedRequest } from './authenticated-request';
import { IS_PUBLIC } from './public.decorator';
import { viewerFromClaims } from './viewer';

/** Expired tokens are accepted for this long past `exp`, for clock skew between hosts. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** The only reasons a client reads; the library's own reason goes to the debug log. */
const INVALID_TOKEN = 'invalid or expired token';

/**
 * Global guard: every route needs `Authorization: Bearer <user JWT>` (HS256 with JWT_SECRET via the JwtModule's key, `exp`
 * enforced) unless marked `@Public()`. Other algorithms, `alg: none` included, are refused.
 */
@Injectable()
export class UserJwtGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (token === '') throw new Unauthenticated('missing bearer token');
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
    } catch (error) {
      throw new Unauthenticated(INVALID_TOKEN, error instanceof Error ? error.message : 'unreadable');
    }
    request.caller = { viewer: viewerFromClaims(claims), token };
    return true;
  }
}
