import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { ReportMetrics } from './report-metrics';

/** Prometheus scrape endpoint (no token: it holds counts, never report data). */
@ApiTags('ops')
@ApiProduces('text/plain')
@ApiOkResponse({
  description: 'Prometheus text format',
  content: { 'text/plain': { schema: { type: 'string' } } },
})
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ReportMetrics) {}

  @Get()
  @Public()
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.metrics.registry.metrics();
    res.type(this.metrics.registry.contentType).send(body);
  }
}
