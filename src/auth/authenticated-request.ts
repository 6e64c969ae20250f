import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Viewer } from './viewer';

/** The verified caller: who they are and the raw token, which renders pass to the report page. */
export interface Caller {
  viewer: Viewer;
  token: string;
}

export interface AuthenticatedRequest extends Request {
  caller?: Caller;
}

/** Injects the `Caller` the UserJwtGuard verified. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without UserJwtGuard');
  return caller;
});
