import { execFile } from 'node:child_process';

/** The text of a PDF, through poppler's pdftotext (installed by .ci/run). */
export function pdfText(pdf: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'pdftotext',
      ['-layout', '-', '-'],
      { maxBuffer: 32 * 1024 * 1024 },
      (error, stdout) => (error ? reject(new Error(`pdftotext failed: ${error.message}`)) : resolve(stdout)),
    );
    child.stdin?.end(Buffer.from(pdf));
  });
}

/** Number of pages, from pdftotext's form feeds. */
export async function pdfPageCount(pdf: Uint8Array): Promise<number> {
  return (await pdfText(pdf)).split('\f').filter((page) => page.trim() !== '').length;
}
