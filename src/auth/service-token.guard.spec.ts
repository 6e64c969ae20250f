import type { ExecutionContext } from '@nestjs/common';
import { Unauthenticated } from '../common/domain.errors';
import { ServiceTokenGuard } from './service-token.guard';

const TOKEN = 'internal-token-0123456789-0123456789';

function contextWith(headers: Record<string, string | undefined>): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => ({ headers }) }) } as unknown as ExecutionContext;
}

describe(ServiceTokenGuard.name, () => {
  const sut = new ServiceTokenGuard({
    internalToken: TOKEN,
    jwtSecret: 's',
    reportTokenIssuer: 'i',
    jwtIssuer: undefined,
    jwtAudience: undefined,
    jwtMaxAgeSeconds: undefined,
  });

  describe('canActivate', () => {
    it('should let the right bearer token through', () => {
      expect(sut.canActivate(contextWith({ 'x-service-auth': `Bearer ${TOKEN}` }))).toBe(true);
    });

    it.each([
      {},
      { 'x-service-auth': TOKEN },
      { 'x-service-auth': `Bearer ${TOKEN}x` },
      { 'x-service-auth': 'Bearer ' },
    ])('should refuse %j', (headers) => {
      expect(() => sut.canActivate(contextWith(headers))).toThrow(
        new Unauthenticated('missing or wrong X-Service-Auth'),
      );
    });
  });
});
