import type { RenderLoad, RenderPriority } from './render-queue';

/** One render: the page to open, the token the page reads, and the request id for the logs. */
export interface RenderJob {
  /** Absolute URL on an allowed frontend origin (the caller builds it; the renderer refuses any other). */
  url: string;
  /** Put into `localStorage.token` before any page script runs, and into the host-only `jwt` cookie. */
  token: string;
  requestId: string;
  /**
   * Fires when nobody waits for this render any more: a queued render is then dropped; a running one is
   * stopped too when `stopRunning` (a render that is also to be stored may finish).
   */
  abandoned?: { signal: AbortSignal; stopRunning: boolean };
  /** Batch items wait behind every interactive render (default: interactive). */
  priority?: RenderPriority;
  /** The PDF's Title when the page has no `<title>` of its own. */
  title?: string;
}

export interface RendererStatus extends RenderLoad {
  connected: boolean;
}

/**
 * The renderer port: a page URL and token in, PDF bytes out. Either the bytes of a page that declared
 * itself ready, or a `RenderFailed` / `RenderQueueFull` / `RenderAbandoned` / `ShuttingDown` error: never
 * an error page. The page may reach only the configured origins.
 */
export abstract class PdfRenderer {
  abstract render(job: RenderJob): Promise<Uint8Array>;
  abstract status(): RendererStatus;
}
