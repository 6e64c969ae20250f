import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { REDIS_CONFIG, type RedisConfig } from '../config';
import { KeyLocks, LocalKeyLocks } from './key-locks';
import { LocalPurgeLog, PurgeLog, RedisPurgeLog } from './purge-log';
import { RedisConnection } from './redis.connection';
import { RedisKeyLocks } from './redis-key-locks';
import { RedisHealthIndicator } from './redis.health';

/**
 * What replicas share: per-key render locks and the purge log (Redis when REDIS_URL is set, in-process
 * otherwise).
 */
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: RedisConnection,
      useFactory: (config: RedisConfig) => new RedisConnection(config.url),
      inject: [REDIS_CONFIG],
    },
    {
      provide: KeyLocks,
      useFactory: (redis: RedisConnection, config: RedisConfig) =>
        redis.client ? new RedisKeyLocks(redis.client, config.lockTtlMs) : new LocalKeyLocks(),
      inject: [RedisConnection, REDIS_CONFIG],
    },
    {
      provide: PurgeLog,
      useFactory: (redis: RedisConnection) =>
        redis.client ? new RedisPurgeLog(redis.client) : new LocalPurgeLog(),
      inject: [RedisConnection],
    },
    RedisHealthIndicator,
  ],
  exports: [RedisConnection, KeyLocks, PurgeLog, RedisHealthIndicator],
})
export class CoordinationModule {}
