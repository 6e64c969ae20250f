import { Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { BatchesConfig } from '../config';
import type { ReportMetrics } from '../metrics';
import { statusOf } from './batch.model';
import type { BatchStore } from './batch.store';

const ATTEMPTS = 5;
const TIMEOUT_MS = 10_000;

/** The signature header value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signCallback(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Tells the backend a batch has ended: POST of the status (without items, with `failures`), signed, 10 s
 * timeout, up to five attempts with exponential backoff; then `callback.state = "failed"`. At least once:
 * receivers dedupe by batchId. Delivery runs in the replica that ended the batch.
 */
export class BatchCallbacks {
  private readonly logger = new Logger(BatchCallbacks.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: BatchStore,
    private readonly config: BatchesConfig,
    private readonly metrics: ReportMetrics,
  ) {}

  /** Starts delivery in the background; `settled()` waits for every delivery under way. */
  deliver(batchId: string): void {
    const delivery = this.send(batchId).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async send(batchId: string): Promise<void> {
    const batch = await this.store.get(batchId);
    const url = batch?.record.spec.callbackUrl;
    if (!batch || !url) return;
    const { items, ...status } = statusOf(batch);
    const failures = items
      .filter((item) => item.state === 'failed')
      .map((item) => ({ s3Key: item.s3Key, error: item.error ?? 'failed' }));
    const body = JSON.stringify({ ...status, callback: undefined, failures });
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const outcome = await this.post(url, body);
      if (outcome === 'delivered') {
        await this.store.setCallback(batchId, 'delivered', attempt);
        this.metrics.callbacks.inc({ outcome: 'delivered' });
        return;
      }
      this.logger.warn({ batchId, attempt, outcome }, 'batch callback not delivered');
      if (attempt < ATTEMPTS) {
        await this.store.setCallback(batchId, 'pending', attempt);
        await new Promise((resolve) =>
          setTimeout(resolve, this.config.callbackBackoffMs * 2 ** (attempt - 1)),
        );
      }
    }
    await this.store.setCallback(batchId, 'failed', ATTEMPTS);
    this.metrics.callbacks.inc({ outcome: 'failed' });
    this.logger.error({ batchId }, 'batch callback given up');
  }

  private async post(url: string, body: string): Promise<string> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const answer = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-PDF-Timestamp': timestamp,
          'X-PDF-Signature': signCallback(this.config.callbackSecret, timestamp, body),
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
}
