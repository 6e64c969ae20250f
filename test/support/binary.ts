import type { Response } from 'supertest';

/** supertest parser that keeps the body as a Buffer (PDFs, zips). */
export function binaryParser(res: Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
