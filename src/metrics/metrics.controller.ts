import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { MetricsRegistry } from './metrics-registry';

/** Prometheus scrape endpoint (no token: it holds counts, never report data). */
@ApiTags('ops')
@ApiProduces('text/plain')
@ApiOkResponse({
  description: 'Prometheus text format',
  content: { 'text/plain': { schema: { type: 'string' } } },
})
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Public()
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.registry.metrics();
    res.type(this.registry.contentType).send(body);
  }
}
