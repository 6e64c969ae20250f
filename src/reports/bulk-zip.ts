import archiver from 'archiver';
import type { Response } from 'express';
import { once } from 'node:events';
import { attachment } from '../common/content-disposition';
import { ignoreUnread } from './completion-order';
import { closeBody, type BulkEntry } from './served-report';

/**
 * Streams a zip of `{studentId}.pdf` entries as they arrive (STORE: PDFs are compressed already), then
 * `manifest.json` with every student's status. One failed student never fails the zip.
 */
export async function sendBulkZip(
  response: Response,
  filename: string,
  entries: AsyncIterator<BulkEntry>,
): Promise<void> {
  const archive = archiver('zip', { store: true });
  const manifest: Omit<BulkEntry, 'body'>[] = [];
  response.status(200);
  response.setHeader('Content-Type', 'application/zip');
  response.setHeader('Content-Disposition', attachment(filename));
  response.setHeader('Cache-Control', 'private, no-cache');
  archive.pipe(response);
  // The client going away ends the zip: what it opened is closed, nothing further is read.
  const gone = new Promise<typeof GONE>((resolve) =>
    response.once('close', () => {
      if (response.writableFinished) return;
      archive.abort();
      resolve(GONE);
    }),
  );
  for (;;) {
    const reading = entries.next();
    const next = await Promise.race([reading, gone]);
    if (next === GONE) {
      void reading.then((left) => left.done || closeBody(left.value), ignoreUnread);
      await entries.return?.();
      return;
    }
    if (next.done) break;
    const entry = next.value;
    manifest.push({
      studentId: entry.studentId,
      status: entry.status,
      ...(entry.error ? { error: entry.error } : {}),
    });
    if (entry.body === undefined) continue;
    const source = entry.body instanceof Uint8Array ? Buffer.from(entry.body) : entry.body;
    archive.append(source, { name: `${entry.studentId}.pdf`, store: true });
    // One entry at a time: a stored stream is opened only when the zip is ready to take it.
    if ((await Promise.race([once(archive, 'entry'), gone])) === GONE) {
      closeBody(entry);
      await entries.return?.();
      return;
    }
  }
  archive.append(JSON.stringify(manifest, null, 2), { name: 'manifest.json' });
  await archive.finalize();
}

const GONE = Symbol('client gone');
