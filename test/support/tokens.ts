import { createHmac } from 'node:crypto';

export const TEST_JWT_SECRET = 'test-jwt-secret-for-the-e2e-suites';

/** An HS256 JWT as the Django backend would issue it (1 h unless `exp` is given). */
export function signToken(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ iat: now, exp: now + 3600, ...claims })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}
