import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A backend the service may call back: records every delivery and answers `status`; `close()` it. */
export interface CallbackReceiver {
  origin: string;
  deliveries: Array<{ headers: IncomingMessage['headers']; body: string }>;
  status: number;
  /** How long it takes to answer (a slow backend). */
  delayMs: number;
  /** When each answer was written, in `Date.now()` time. */
  answeredAt: number[];
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const receiver = {
    deliveries: [] as CallbackReceiver['deliveries'],
    status: 200,
    delayMs: 0,
    answeredAt: [] as number[],
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      setTimeout(() => {
        receiver.answeredAt.push(Date.now());
        res.writeHead(receiver.status).end();
      }, receiver.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
