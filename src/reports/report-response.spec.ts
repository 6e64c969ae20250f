import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { streamBody } from './report-response';

const CHUNK = Buffer.alloc(64 * 1024, 7);

/** One request to a loopback server whose handler streams `body`; answers the handler's outcome. */
async function serveOnce(
  body: Readable,
  client: (answer: IncomingMessage) => void,
  bytes: number,
): Promise<PromiseSettledResult<void>> {
  let outcome!: Promise<PromiseSettledResult<void>[]>;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': String(bytes) });
    outcome = Promise.allSettled([streamBody(body, res)]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const asked = request({ host: '127.0.0.1', port, path: '/' }, (answer) => {
        client(answer);
        answer.once('close', resolve);
      });
      asked.once('error', () => resolve());
      asked.end();
    });
    const [settled] = await outcome;
    return settled;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe(streamBody.name, () => {
  it('should send every byte and resolve', async () => {
    let received = 0;
    const settled = await serveOnce(
      Readable.from([CHUNK, CHUNK, CHUNK]),
      (answer) => answer.on('data', (chunk: Buffer) => (received += chunk.length)),
      3 * CHUNK.length,
    );
    expect(settled.status).toBe('fulfilled');
    expect(received).toBe(3 * CHUNK.length);
  });

  it('should destroy the body when the client leaves midway, and resolve: a cancelled download is no error', async () => {
    const body = new PassThrough();
    body.write(CHUNK);
    const settled = await serveOnce(
      body,
      (answer) => answer.once('data', () => answer.destroy()),
      10 * CHUNK.length,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled.status).toBe('fulfilled');
    expect(body.destroyed).toBe(true);
  });

  it('should cut the answer and reject when the body fails midway', async () => {
    const body = new PassThrough();
    body.write(CHUNK);
    let received = 0;
    let aborted = false;
    const settled = await serveOnce(
      body,
      (answer) => {
        answer.on('data', (chunk: Buffer) => {
          received += chunk.length;
          body.destroy(new Error('storage socket reset'));
        });
        answer.once('aborted', () => (aborted = true));
        answer.once('error', () => (aborted = true));
      },
      10 * CHUNK.length,
    );
    expect(settled).toMatchObject({ status: 'rejected', reason: { message: 'storage socket reset' } });
    expect(aborted).toBe(true);
    expect(received).toBeLessThan(10 * CHUNK.length);
  });
});
