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

/** Output of a poppler tool that needs a file (pdfinfo, pdffonts) for these PDF bytes. */
export async function popplerOn(tool: 'pdfinfo' | 'pdffonts', pdf: Uint8Array): Promise<string> {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'poppler-'));
  try {
    const file = join(dir, 'report.pdf');
    await writeFile(file, pdf);
    return await new Promise((resolve, reject) =>
      execFile(tool, [file], (error, stdout) =>
        error ? reject(new Error(`${tool} failed: ${error.message}`)) : resolve(stdout),
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
