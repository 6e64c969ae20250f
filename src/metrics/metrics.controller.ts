import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { ReportMetrics } from './report-metrics';

/** Prometheus scrape endpoint (no token: it holds counts, never report data). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ReportMetrics) {}

  @Get()
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
