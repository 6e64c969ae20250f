export { PdfRenderer, type RenderJob, type RendererStatus } from './pdf-renderer';
export { RendererModule } from './renderer.module';
export { BrowserHealthIndicator } from './browser.health';
export type { RenderPriority } from './render-queue';
