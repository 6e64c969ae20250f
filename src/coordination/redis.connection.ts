import type { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * The process's Redis connection (locks, batch state, health) when REDIS_URL is set; `client` is null
 * without it. It owns the connection, so it closes it when the app shuts down. BullMQ makes its own
 * blocking connections from the same URL.
 */
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | null;

  constructor(readonly url: string | undefined) {
    this.client = url ? new Redis(url, { maxRetriesPerRequest: 3 }) : null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    await this.client.quit().catch(() => this.client?.disconnect());
  }
}
