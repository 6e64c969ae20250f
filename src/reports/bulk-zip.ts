import archiver from 'archiver';
import type { Response } from 'express';
import { once } from 'node:events';
import { attachment } from '../common/content-disposition';
import type { BulkEntry } from './served-report';

/**
 * Streams a zip of `{studentId}.pdf` entries as they arrive (STORE: PDFs are compressed already), then
 * `manifest.json` with every student's status. One failed student never fails the zip.
 */
export async function sendBulkZip(
  response: Response,
  filename: string,
  entries: AsyncIterable<BulkEntry>,
): Promise<void> {
  const archive = archiver('zip', { store: true });
  const manifest: Omit<BulkEntry, 'body'>[] = [];
  response.status(200);
  response.setHeader('Content-Type', 'application/zip');
  response.setHeader('Content-Disposition', attachment(filename));
  response.setHeader('Cache-Control', 'private, no-cache');
  archive.pipe(response);
  response.once('close', () => {
    if (!response.writableFinished) archive.abort();
  });
  for await (const entry of entries) {
    manifest.push({
      studentId: entry.studentId,
      status: entry.status,
      ...(entry.error ? { error: entry.error } : {}),
    });
    if (entry.body === undefined) continue;
    const source = entry.body instanceof Uint8Array ? Buffer.from(entry.body) : entry.body;
    archive.append(source, { name: `${entry.studentId}.pdf`, store: true });
    // One entry at a time: a stored stream is opened only when the zip is ready to take it.
    await once(archive, 'entry');
  }
  archive.append(JSON.stringify(manifest, null, 2), { name: 'manifest.json' });
  await archive.finalize();
}
