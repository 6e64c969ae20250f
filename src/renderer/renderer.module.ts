import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ReportMetrics } from '../metrics/report-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { FRONTEND_CONFIG, RENDERER_CONFIG, type FrontendConfig, type RendererConfig } from '../config';
import { BrowserHealthIndicator } from './browser.health';
import { PdfRenderer } from './pdf-renderer';
import { PuppeteerPdfRenderer } from './puppeteer.renderer';
import { ReportPageUrls } from './report-page-urls';

/** Starts Chromium with the app, drains renders before shutdown, and closes Chromium last. */
@Injectable()
class RendererLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly renderer: PdfRenderer,
    @Inject(RENDERER_CONFIG) private readonly config: RendererConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.renderer instanceof PuppeteerPdfRenderer) await this.renderer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.renderer instanceof PuppeteerPdfRenderer) await this.renderer.drain(this.config.shutdownGraceMs);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.renderer instanceof PuppeteerPdfRenderer) await this.renderer.close();
  }
}

@Module({
  imports: [TerminusModule, MetricsModule],
  providers: [
    {
      provide: PdfRenderer,
      useFactory: (config: RendererConfig, frontend: FrontendConfig, metrics: ReportMetrics) => {
        const renderer = new PuppeteerPdfRenderer(config, frontend.allowedOrigins, metrics.renderObserver);
        metrics.observeRenderLoad(() => renderer.status());
        return renderer;
      },
      inject: [RENDERER_CONFIG, FRONTEND_CONFIG, ReportMetrics],
    },
    {
      provide: ReportPageUrls,
      useFactory: (frontend: FrontendConfig, config: RendererConfig) =>
        new ReportPageUrls(frontend, config.reportPaths),
      inject: [FRONTEND_CONFIG, RENDERER_CONFIG],
    },
    RendererLifecycle,
    BrowserHealthIndicator,
  ],
  exports: [PdfRenderer, ReportPageUrls, BrowserHealthIndicator],
})
export class RendererModule {}
