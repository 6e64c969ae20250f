import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { attachment } from '../common/content-disposition';
import type { ServedReport } from './served-report';

/**
 * Writes a ServedReport: headers always; 304 when the caller already holds this version (`notModified`);
 * no body for HEAD; else the bytes or the stored stream.
 */
export async function sendReport(
  response: Response,
  report: ServedReport,
  notModified: boolean,
): Promise<void> {
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
  if (notModified) {
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
