import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { BatchesConfig } from '../config';
import { isUnreachable } from '../coordination';
import { statusOf } from './batch.model';
import type { BatchStore } from './batch.store';
import type { BatchesMetrics } from './batches.metrics';

const ATTEMPTS = 5;
const TIMEOUT_MS = 10_000;
/** How often a replica looks for callbacks nobody is delivering (their replica stopped or died). */
const SWEEP_MS = 5_000;
/** A delivery's lease outlives its attempt by this much before another replica may take it over. */
const LEASE_SLACK_MS = 5_000;
const SWEEP_BATCH = 20;

/** The signature header value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signCallback(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The HTTP side of a callback: one signed POST, answered 'delivered' or why not. */
export type CallbackPost = (url: string, body: string) => Promise<string>;

/**
 * Tells the backend a batch has ended: POST of the status (without items, with `failures`), signed, 10 s
 * timeout, up to five attempts with exponential backoff; then `callback.state = "failed"`. At least once:
 * receivers dedupe by batchId. A callback is owed in the store until it is delivered or given up, leased to
 * the replica delivering it; when that replica stops (its attempt in flight is awaited within the grace
 * period) or dies, the lease runs out and another replica (or the same one restarted) delivers it. The
 * memory store does not outlive the process: a callback it still owes at shutdown is logged at WARN.
 */
export class BatchCallbacks implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BatchCallbacks.name);
  private readonly deliveries = new Map<string, Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly store: BatchStore,
    private readonly config: BatchesConfig,
    private readonly graceMs: number,
    private readonly metrics: BatchesMetrics,
    private readonly post: CallbackPost = (url, body) => postSigned(url, body, config.callbackSecret),
  ) {}

  onApplicationBootstrap(): void {
    this.stopping = false;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    void this.sweep();
  }

  /** Deliveries stop between attempts; attempts in flight get the grace period. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    for (const wake of this.sleepers) wake();
    const deadline = Date.now() + this.graceMs;
    // Deliveries that start meanwhile (a batch's last item finishing during the drain) are awaited too.
    while (this.deliveries.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.deliveries.values()]),
        new Promise((resolve) => setTimeout(resolve, deadline - Date.now())),
      ]);
    }
    for (const batchId of this.deliveries.keys()) {
      this.logger.warn({ batchId }, 'batch callback still in flight at shutdown');
    }
  }

  /** Starts delivery of a batch's callback in the background. */
  deliver(batchId: string): void {
    if (this.deliveries.has(batchId)) return;
    const delivery = this.send(batchId)
      .catch((error: unknown) => this.logger.error({ batchId, err: error }, 'batch callback crashed'))
      .finally(() => this.deliveries.delete(batchId));
    this.deliveries.set(batchId, delivery);
  }

  /** Takes over callbacks whose lease ran out (their replica stopped or died). */
  async sweep(): Promise<void> {
    if (this.stopping) return;
    try {
      const now = Date.now();
      const due = await this.store.claimDueCallbacks(now, now + TIMEOUT_MS + LEASE_SLACK_MS, SWEEP_BATCH);
      for (const batchId of due) this.deliver(batchId);
    } catch (error) {
      // Redis unreachable: the outage is logged once by the connection; the next sweep tries again.
      if (!isUnreachable(error)) this.logger.warn({ err: error }, 'owed batch callbacks could not be read');
    }
  }

  private async send(batchId: string): Promise<void> {
    const batch = await this.store.get(batchId);
    const url = batch?.record.spec.callbackUrl;
    if (!batch || !url || batch.callback.state === 'delivered' || batch.callback.state === 'failed') return;
    const { items, ...status } = statusOf(batch);
    const failures = items
      .filter((item) => item.state === 'failed')
      .map((item) => ({ s3Key: item.s3Key, error: item.error ?? 'failed' }));
    const body = JSON.stringify({ ...status, callback: undefined, failures });
    for (let attempt = batch.callback.attempts + 1; attempt <= ATTEMPTS; attempt += 1) {
      await this.store.oweCallback(batchId, Date.now() + TIMEOUT_MS + LEASE_SLACK_MS);
      const outcome = await this.post(url, body);
      if (outcome === 'delivered') {
        await this.store.setCallback(batchId, 'delivered', attempt);
        this.metrics.callback('delivered');
        return;
      }
      this.logger.warn({ batchId, attempt, outcome }, 'batch callback not delivered');
      if (attempt === ATTEMPTS) break;
      const waitMs = this.config.callbackBackoffMs * 2 ** (attempt - 1);
      await this.store.setCallback(batchId, 'pending', attempt);
      // Owed from the next attempt's time on: the lease covers the wait, so nobody else sends meanwhile.
      await this.store.oweCallback(batchId, Date.now() + waitMs + TIMEOUT_MS + LEASE_SLACK_MS);
      if (!(await this.sleep(waitMs))) return this.leave(batchId, waitMs);
    }
    await this.store.setCallback(batchId, 'failed', ATTEMPTS);
    this.metrics.callback('failed');
    this.logger.error({ batchId }, 'batch callback given up');
  }

  /** Stopping while a callback waits for its next attempt: hand it to whoever runs next. */
  private async leave(batchId: string, waitMs: number): Promise<void> {
    if (!this.store.durable) {
      this.logger.warn(
        { batchId },
        'batch callback not delivered before shutdown (memory queue: it is lost)',
      );
      return;
    }
    await this.store.oweCallback(batchId, Date.now() + waitMs);
  }

  /** Waits `ms`; false when the service began stopping meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve(!this.stopping);
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

async function postSigned(url: string, body: string, secret: string): Promise<string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const answer = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-PDF-Timestamp': timestamp,
        'X-PDF-Signature': signCallback(secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
    await answer.arrayBuffer().catch(() => undefined);
    return answer.ok ? 'delivered' : `status ${answer.status}`;
  } catch (error) {
    return error instanceof Error ? error.name : 'network error';
  }
}
