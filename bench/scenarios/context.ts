import type { ReactReportFrontend } from '../fixtures/react-report/react-report-frontend';
import type { ReportFrontend } from '../../test/fixtures/report-frontend';
import { signToken } from '../../test/support/tokens';
import { BENCH_JWT_SECRET } from '../harness/service';

/** What every scenario gets: the mode and the shared sample report frontends. */
export interface BenchContext {
  /** Seconds-long runs that only prove the code works; no targets are judged. */
  smoke: boolean;
  /** The light, dependency-free page: for scenarios about the service's own limits (memory, batches). */
  frontend: ReportFrontend;
  /** The platform's page as it really is (React + recharts bundle, web fonts): what a render costs. */
  realistic: ReactReportFrontend;
}

export const TOOLS = 'dist-tools/bench/harness';

export function adminToken(): string {
  return signToken({ role: 'admin', user_id: 'bench' }, BENCH_JWT_SECRET);
}

/** Service settings for a scenario: `frontend` is the (only) frontend. */
export function frontendEnv(frontend: ReportFrontend): Record<string, string> {
  return { FRONTEND_ORIGINS: frontend.origin, DEFAULT_FRONTEND_ORIGIN: frontend.origin };
}

/** `pass` is only judged in full runs. */
export function judged(context: BenchContext, pass: boolean): boolean | null {
  return context.smoke ? null : pass;
}
