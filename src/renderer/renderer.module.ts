import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RENDERER_CONFIG, type RendererConfig } from '../config';
import { MetricsModule, ReportMetrics } from '../metrics';
import { BrowserHealthIndicator } from './browser.health';
import { PdfRenderer } from './pdf-renderer';
import { PuppeteerPdfRenderer } from './puppeteer.renderer';

/** Exports the renderer port and its health indicator; the renderer starts and stops with the app itself. */
@Module({
  imports: [TerminusModule, MetricsModule],
  providers: [
    {
      provide: PdfRenderer,
      useFactory: (config: RendererConfig, metrics: ReportMetrics) => {
        const renderer = new PuppeteerPdfRenderer(config, metrics.renderObserver);
        metrics.observeRenderLoad(() => renderer.status());
        return renderer;
      },
      inject: [RENDERER_CONFIG, ReportMetrics],
    },
    BrowserHealthIndicator,
  ],
  exports: [PdfRenderer, BrowserHealthIndicator],
})
export class RendererModule {}
