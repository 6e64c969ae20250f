import type { Response } from 'express';
import type { ServerResponse } from 'node:http';
import { finished, Readable } from 'node:stream';
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
    await streamBody(report.body, response);
    return;
  }
  response.end(report.body);
}

/**
 * Pipes a stored body to the client. Not `stream.pipeline`: it builds an AbortController and aborts it,
 * with a DOMException and its stack, on every download (about 0.1 ms of CPU, a twentieth of a hit).
 * A client that leaves early is no error: the body is destroyed, so its storage socket or file closes.
 * A body that fails midway cuts the answer (its status and length are already sent) and rejects.
 */
export function streamBody(body: Readable, response: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    finished(body, (error) => {
      if (!error) return;
      response.destroy(error);
      reject(error);
    });
    finished(response, () => {
      if (!response.writableFinished) body.destroy();
      resolve();
    });
    body.pipe(response);
  });
}
