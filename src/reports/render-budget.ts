import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { viewerIdentity, type Viewer } from '../auth';
import { TooManyRenders } from '../common/domain.errors';

const WINDOW_SECONDS = 60;

/**
 * Renders a viewer may cause per minute (RENDER_RATE_PER_MINUTE; admins RENDER_RATE_ADMIN_PER_MINUTE),
 * counted by rate-limiter-flexible: in Redis when replicas share one (so the budget is fleet-wide), else in
 * this process. HITs never spend it; the backend's trigger and batches are not limited by it.
 */
export class RenderBudget {
  private readonly users: RateLimiterAbstract | undefined;
  private readonly admins: RateLimiterAbstract | undefined;

  constructor(perMinute: number | undefined, adminPerMinute: number | undefined, redis: Redis | null) {
    this.users = limiter('user', perMinute, redis);
    this.admins = limiter('admin', adminPerMinute, redis);
  }

  /** Spends one render, or refuses with `TooManyRenders` (429, Retry-After) and renders nothing. */
  async spend(viewer: Viewer): Promise<void> {
    const counter = this.counterFor(viewer);
    if (!counter) return;
    try {
      await counter.consume(viewerIdentity(viewer));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new TooManyRenders(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), 'rate');
      }
      throw rejection;
    }
  }

  /** Renders left this minute (Infinity without a limit), and when the budget refills. */
  async remaining(viewer: Viewer): Promise<{ renders: number; retryAfterSeconds: number }> {
    const counter = this.counterFor(viewer);
    if (!counter) return { renders: Number.POSITIVE_INFINITY, retryAfterSeconds: 0 };
    const state = await counter.get(viewerIdentity(viewer));
    return {
      renders: state ? state.remainingPoints : counter.points,
      retryAfterSeconds: state ? Math.max(1, Math.ceil(state.msBeforeNext / 1000)) : WINDOW_SECONDS,
    };
  }

  private counterFor(viewer: Viewer): RateLimiterAbstract | undefined {
    return viewer.role === 'admin' ? this.admins : this.users;
  }
}

function limiter(
  kind: string,
  points: number | undefined,
  redis: Redis | null,
): RateLimiterAbstract | undefined {
  if (points === undefined) return undefined;
  const options = { points, duration: WINDOW_SECONDS, keyPrefix: `pdf:render-budget:${kind}` };
  if (!redis) return new RateLimiterMemory(options);
  // Redis unreachable: count in this process rather than refuse every render or let all through.
  return new RateLimiterRedis({
    ...options,
    storeClient: redis,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}
