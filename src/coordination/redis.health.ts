import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { within } from '../common/within';
import { RedisConnection } from './redis.connection';

const PING_TIMEOUT_MS = 2000;

/** `redis` in /health/ready when REDIS_URL is set: replicas share batches and locks through it. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly connection: RedisConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.connection.client !== null;
  }

  async check(key = 'redis'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const redis = this.connection.client;
    if (!redis) return indicator.up({ configured: false });
    const answer = await within(
      redis.ping().catch(() => 'unreachable'),
      PING_TIMEOUT_MS,
      () => 'timeout',
    );
    return answer === 'PONG' ? indicator.up() : indicator.down({ reason: answer });
  }
}
