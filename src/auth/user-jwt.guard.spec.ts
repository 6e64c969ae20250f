import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { Unauthenticated } from '../common/domain.errors';
import type { AuthenticatedRequest } from './authenticated-request';
import { IS_PUBLIC } from './public.decorator';
import { UserJwtGuard } from './user-jwt.guard';

const SECRET = 'guard-secret';
const jwt = new JwtService({ secret: SECRET });

function contextFor(request: Partial<AuthenticatedRequest>, isPublic = false): ExecutionContext {
  const handler = () => undefined;
  if (isPublic) Reflect.defineMetadata(IS_PUBLIC, true, handler);
  return {
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const OPEN = { internalToken: 'x', jwtSecret: SECRET, reportTokenIssuer: 'i' };

describe(UserJwtGuard.name, () => {
  const sut = new UserJwtGuard(new Reflector(), jwt, {
    ...OPEN,
    jwtIssuer: undefined,
    jwtAudience: undefined,
    jwtMaxAgeSeconds: undefined,
  });
  const strict = new UserJwtGuard(new Reflector(), jwt, {
    ...OPEN,
    jwtIssuer: 'https://backend.example.com',
    jwtAudience: 'pdf-service',
    jwtMaxAgeSeconds: 3600,
  });
  const refuses = async (guard: UserJwtGuard, token: string) => {
    const refusal = guard.canActivate(contextFor({ headers: { authorization: `Bearer ${token}` } }));
    await expect(refusal).rejects.toThrow(new Unauthenticated('invalid or expired token'));
  };

  describe('canActivate', () => {
    it('should put the verified caller on the request', async () => {
      const token = jwt.sign({ role: 'teacher', teacher_id: 'T1', class_ids: ['C1'] }, { expiresIn: 60 });
      const request: Partial<AuthenticatedRequest> = { headers: { authorization: `Bearer ${token}` } };
      await expect(sut.canActivate(contextFor(request))).resolves.toBe(true);
      expect(request.caller).toEqual({
        token,
        viewer: expect.objectContaining({ role: 'teacher', teacherId: 'T1', classScope: ['C1'] }),
      });
    });

    it('should let public routes through without a token', async () => {
      await expect(sut.canActivate(contextFor({ headers: {} }, true))).resolves.toBe(true);
    });

    it('should say only "missing bearer token" without one', async () => {
      await expect(sut.canActivate(contextFor({ headers: {} }))).rejects.toThrow(
        new Unauthenticated('missing bearer token'),
      );
    });

    it.each([
      ['a bad signature', new JwtService({ secret: 'other' }).sign({ role: 'admin' }, { expiresIn: 60 })],
      ['an expired token', jwt.sign({ role: 'admin', exp: Math.floor(Date.now() / 1000) - 120 })],
      ['garbage', 'not.a.jwt'],
      ['class_ids that is not a list', jwt.sign({ role: 'teacher', class_ids: 'C1' }, { expiresIn: 60 })],
    ])(
      'should refuse %s with only "invalid or expired token", the reason kept for the log',
      async (_, token) => {
        const refusal = sut.canActivate(contextFor({ headers: { authorization: `Bearer ${token}` } }));
        await expect(refusal).rejects.toThrow(new Unauthenticated('invalid or expired token'));
        await expect(refusal).rejects.toHaveProperty('detail', expect.any(String));
      },
    );

    it('should refuse a token without exp', async () => {
      await refuses(sut, jwt.sign({ role: 'admin' }));
    });

    it('should refuse refresh tokens but accept access tokens and tokens without token_type', async () => {
      await refuses(sut, jwt.sign({ role: 'admin', token_type: 'refresh' }, { expiresIn: 60 }));
      const access = jwt.sign({ role: 'admin', token_type: 'access' }, { expiresIn: 60 });
      await expect(
        sut.canActivate(contextFor({ headers: { authorization: `Bearer ${access}` } })),
      ).resolves.toBe(true);
    });

    it('should check iss, aud and the lifetime when configured', async () => {
      const good = { issuer: 'https://backend.example.com', audience: 'pdf-service', expiresIn: 600 };
      const token = jwt.sign({ role: 'admin' }, good);
      await expect(
        strict.canActivate(contextFor({ headers: { authorization: `Bearer ${token}` } })),
      ).resolves.toBe(true);
      await refuses(strict, jwt.sign({ role: 'admin' }, { ...good, issuer: 'someone-else' }));
      await refuses(strict, jwt.sign({ role: 'admin' }, { ...good, audience: 'another-service' }));
      await refuses(strict, jwt.sign({ role: 'admin' }, { ...good, expiresIn: 7 * 24 * 3600 }));
    });
  });
});
