import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { Unauthenticated } from '../common/domain.errors';
import { AUTH_CONFIG, type AuthConfig } from '../config';
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
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
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
        ...(this.config.jwtIssuer !== undefined ? { issuer: this.config.jwtIssuer } : {}),
        ...(this.config.jwtAudience !== undefined ? { audience: this.config.jwtAudience } : {}),
      });
    } catch (error) {
      throw new Unauthenticated(INVALID_TOKEN, error instanceof Error ? error.message : 'unreadable');
    }
    const refusal = this.refusalOf(claims);
    if (refusal !== undefined) throw new Unauthenticated(INVALID_TOKEN, refusal);
    request.caller = { viewer: viewerFromClaims(claims), token };
    return true;
  }

  /**
   * What the signature check does not cover: a token must expire, must be an access token (SimpleJWT puts
   * the same claims into 7-day refresh tokens), and may not live longer than JWT_MAX_AGE_SECONDS.
   */
  private refusalOf(claims: Record<string, unknown>): string | undefined {
    if (typeof claims.exp !== 'number') return 'the token has no exp';
    if (claims.token_type !== undefined && claims.token_type !== 'access') {
      return `token_type ${JSON.stringify(claims.token_type)} is not access`;
    }
    const maxAge = this.config.jwtMaxAgeSeconds;
    if (maxAge !== undefined) {
      if (typeof claims.iat !== 'number') return 'the token has no iat (JWT_MAX_AGE_SECONDS is set)';
      if (claims.exp - claims.iat > maxAge) return `the token lives longer than ${maxAge} s`;
    }
    return undefined;
  }
}
