import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RENDERER_CONFIG, type RendererConfig } from '../config';
import { MetricsModule, MetricsRegistry } from '../metrics';
import { BrowserHealthIndicator } from './browser.health';
import { PdfRenderer } from './pdf-renderer';
import { PuppeteerPdfRenderer } from './puppeteer.renderer';
import { RendererMetrics } from './renderer.metrics';

/** Exports the renderer port and its health indicator; the renderer starts and stops with the app itself. */
@Module({
  imports: [TerminusModule, MetricsModule],
  providers: [
    {
      provide: PdfRenderer,
      useFactory: (config: RendererConfig, registry: MetricsRegistry): PdfRenderer => {
        // The queue gauges read the renderer at scrape time, after it exists.
        const metrics: RendererMetrics = new RendererMetrics(registry, () => renderer.status());
        const renderer: PuppeteerPdfRenderer = new PuppeteerPdfRenderer(config, metrics);
        return renderer;
      },
      inject: [RENDERER_CONFIG, MetricsRegistry],
    },
    BrowserHealthIndicator,
  ],
  exports: [PdfRenderer, BrowserHealthIndicator],
})
export class RendererModule {}
