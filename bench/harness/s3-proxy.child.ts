/**
 * The s3 hit path's limit: a minimal proxy doing the service's job with the same dependencies and nothing
 * else: raw node:http, HS256 verification with node:crypto, GetObject through the same SDK with the same
 * settings, the body piped. No framework, no logging. Every GET serves the one key it was started with.
 * Usage: node s3-proxy.child.js <endpoint> <bucket> <key> <jwtSecret>; prints {"port"}.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

const [endpoint, bucket, key, secret] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  maxAttempts: 2,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: new NodeHttpHandler({
    connectionTimeout: 2000,
    requestTimeout: 10000,
    httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }),
  }),
});

function verified(header: string | undefined): boolean {
  const [head, body, signature] = (header?.startsWith('Bearer ') ? header.slice(7) : '').split('.');
  if (!head || !body || !signature) return false;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { exp?: number };
  return claims.exp === undefined || claims.exp * 1000 > Date.now();
}

const server = createServer((req, res) => {
  if (!verified(req.headers.authorization)) {
    res.writeHead(401).end();
    return;
  }
  client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then(
    (object) => {
      res.writeHead(200, {
        'Content-Type': 'application/pdf',
        'Content-Length': String(object.ContentLength ?? 0),
      });
      (object.Body as Readable).pipe(res);
    },
    () => res.writeHead(502).end(),
  );
});
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })),
);
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
