import type { RenderLoad } from './render-queue';

/** One render: the page to open, the token the page reads, and the request id for the logs. */
export interface RenderJob {
  /** Absolute URL on an allowed frontend origin. */
  url: string;
  /** Put into `localStorage.token` before any page script runs, and into the `jwt` cookie. */
  token: string;
  requestId: string;
}

export interface RendererStatus extends RenderLoad {
  connected: boolean;
}

/**
 * The renderer port: a page URL and token in, PDF bytes out. Either the bytes of a page that declared
 * itself ready, or a `RenderFailed` / `RenderQueueFull` / `ShuttingDown` error: never an error page.
 */
export abstract class PdfRenderer {
  abstract render(job: RenderJob): Promise<Uint8Array>;
  abstract status(): RendererStatus;
}
