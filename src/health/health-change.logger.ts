import { Logger, type LoggerService } from '@nestjs/common';

/** A failing set logged once is logged again after this long, so a long outage still shows in the log. */
const REPEAT_AFTER_MS = 60_000;

/**
 * Terminus logs every failed health check, and an orchestrator probing every few seconds would fill the log
 * with one outage. This logs a failed check when what fails changes (or a minute later), not per probe.
 */
export class HealthChangeLogger implements LoggerService {
  private readonly logger = new Logger('Health');
  private lastFailing = '';
  private lastLoggedAt = 0;

  error(message: unknown): void {
    const text = String(message);
    const failing = failingIndicators(text);
    const now = Date.now();
    if (failing === this.lastFailing && now - this.lastLoggedAt < REPEAT_AFTER_MS) return;
    this.lastFailing = failing;
    this.lastLoggedAt = now;
    this.logger.error(text);
  }

  log(message: unknown): void {
    this.logger.log(message);
  }

  warn(message: unknown): void {
    this.logger.warn(message);
  }
}

/** The names of the indicators a terminus failure message reports down ("Health Check has failed! {…}"). */
function failingIndicators(message: string): string {
  const json = message.slice(message.indexOf('{'));
  try {
    const results = JSON.parse(json) as Record<string, { status?: string }>;
    return Object.keys(results)
      .filter((name) => results[name]?.status !== 'up')
      .sort()
      .join(',');
  } catch (error) {
    if (error instanceof SyntaxError) return message;
    throw error;
  }
}
