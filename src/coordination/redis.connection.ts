import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { within } from '../common/within';

/** How long startup waits for a first connection before it goes on degraded (readiness says so). */
const CONNECT_WAIT_MS = 5000;
/** How long closing waits for Redis to acknowledge QUIT before the socket is simply dropped. */
const QUIT_WAIT_MS = 1000;

/**
 * The process's Redis connection (locks, purge log, batch state, health) when REDIS_URL is set; `client` is
 * null without it. It owns the connection, so it closes it when the app shuts down. Commands fail at once
 * while Redis is unreachable (no offline queue), so a caller answers 503 instead of hanging; the client
 * reconnects by itself. The outage and the recovery are logged once each, for this client and for the
 * connections BullMQ makes from the same URL (they report through `failed` / `recovered`).
 */
export class RedisConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');
  private down = false;

  constructor(readonly url: string | undefined) {
    this.client = url
      ? new Redis(url, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          // Reconnect every 0.5 s at most: readiness comes back within seconds of Redis.
          retryStrategy: (times) => Math.min(times * 100, 500),
        })
      : null;
    this.client?.on('error', (error: Error) => this.failed(error));
    this.client?.on('ready', () => this.recovered());
  }

  /** Startup waits a little for the first connection, so the first requests find it ready. */
  async onApplicationBootstrap(): Promise<void> {
    const client = this.client;
    if (!client || client.status === 'ready') return;
    const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
    await within(ready, CONNECT_WAIT_MS, () => undefined);
  }

  /** False from the first failure of an outage until a connection is up again. */
  get reachable(): boolean {
    return !this.down;
  }

  /** A Redis connection of this process failed: the first failure of an outage is logged, the rest not. */
  failed(error: Error): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      { err: { message: error.message } },
      'Redis unreachable: work that needs it answers 503',
    );
  }

  /** A connection is up again: the end of the outage is logged once. */
  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Redis reachable again');
  }

  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const quit = client.quit().then(
      () => true,
      () => false,
    );
    if (!(await within(quit, QUIT_WAIT_MS, () => false))) client.disconnect();
  }
}
