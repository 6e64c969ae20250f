export { CoordinationModule } from './coordination.module';
export { KeyLocks, type KeyLease } from './key-locks';
export { RedisConnection } from './redis.connection';
export { RedisHealthIndicator } from './redis.health';
export { PurgeLog, LocalPurgeLog } from './purge-log';
export { coordinated, isUnreachable } from './coordinated';
