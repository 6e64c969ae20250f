import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServedReport } from './served-report';

/** Writes a ServedReport: headers always, 304 or HEAD without a body, else the bytes or the stored stream. */
export async function sendReport(response: Response, report: ServedReport): Promise<void> {
  if (report.redirect !== undefined) {
    // The URL is a short-lived credential: no cache may keep the answer.
    response.setHeader('X-Cache', report.cache);
    response.setHeader('Cache-Control', 'private, no-store');
    response.redirect(302, report.redirect);
    return;
  }
  response.setHeader('ETag', report.etag);
  response.setHeader('X-Cache', report.cache);
  // Per-user data: browsers may keep it but must revalidate; shared caches must not.
  response.setHeader('Cache-Control', 'private, no-cache');
  if (report.notModified) {
    response.status(304).end();
    return;
  }
  response.setHeader('Content-Type', 'application/pdf');
  response.setHeader('Content-Disposition', attachment(report.filename));
  response.setHeader('Content-Length', String(report.size));
  response.status(200);
  if (report.body === undefined) {
    response.end();
    return;
  }
  if (report.body instanceof Readable) {
    await pipeline(report.body, response);
    return;
  }
  response.end(report.body);
}

/**
 * RFC 6266: an ASCII `filename` for old clients (anything outside safe characters becomes `_`, so no quote
 * can end it early) and the exact name as UTF-8 in `filename*`.
 */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._@-]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
