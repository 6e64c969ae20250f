import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { PdfRenderer } from './pdf-renderer';

/** `browser` in /health and /health/ready: Chromium connected, renders active and waiting. */
@Injectable()
export class BrowserHealthIndicator {
  constructor(
    private readonly renderer: PdfRenderer,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key = 'browser'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const status = this.renderer.status();
    const details = { ...status };
    return status.connected ? indicator.up(details) : indicator.down(details);
  }
}
