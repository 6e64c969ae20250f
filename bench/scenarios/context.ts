import type { ReportFrontend } from '../../test/fixtures/report-frontend';
import { signToken } from '../../test/support/tokens';
import { BENCH_JWT_SECRET } from '../harness/service';

/** What every scenario gets: the mode and the shared sample report frontend. */
export interface BenchContext {
  /** Seconds-long runs that only prove the code works; no targets are judged. */
  smoke: boolean;
  frontend: ReportFrontend;
}

export const TOOLS = 'dist-tools/bench/harness';

export function adminToken(): string {
  return signToken({ role: 'admin', user_id: 'bench' }, BENCH_JWT_SECRET);
}

/** Service settings for a scenario: the fixture is the (only) frontend. */
export function frontendEnv(context: BenchContext): Record<string, string> {
  return { FRONTEND_ORIGINS: context.frontend.origin, DEFAULT_FRONTEND_ORIGIN: context.frontend.origin };
}

/** `pass` is only judged in full runs. */
export function judged(context: BenchContext, pass: boolean): boolean | null {
  return context.smoke ? null : pass;
}
