import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { StorageUnavailable } from '../../src/common/domain.errors';
import { S3ObjectGet } from '../../src/storage/s3-object-get';
import { S3ReportStorage } from '../../src/storage/s3.storage';
import { startS3rver, s3StorageSettings, type TestS3 } from '../support/s3rver';
import { sigV4Refusal, type SeenRequest } from '../support/sigv4-check';
import { drain } from '../support/binary';

/** Every character the storage key alphabet allows in a segment, and a prefix with a slash. */
const AWKWARD_KEY = 'tenant a/reports/C.1/Test_1/students/s@x -y_z.pdf';

describe(S3ObjectGet.name, () => {
  let s3: TestS3;
  let handler: NodeHttpHandler;
  let client: S3Client;
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200 * 1024)]);

  function clientWith(accessKeyId: string): S3Client {
    return new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      requestHandler: handler,
    });
  }

  beforeAll(async () => {
    s3 = await startS3rver();
    handler = new NodeHttpHandler();
    client = clientWith('S3RVER');
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: AWKWARD_KEY,
        Body: pdf,
        ContentType: 'application/pdf',
        Metadata: { 'report-origin': 'http://frontend.test' },
      }),
    );
  });

  afterAll(async () => {
    client.destroy();
    handler.destroy();
    await s3.stop();
  });

  it('should answer what the SDK answers for the same object: bytes, size, etag, date and metadata', async () => {
    const opened = await new S3ObjectGet(client, handler, s3.bucket).open(AWKWARD_KEY);
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: AWKWARD_KEY }));
    expect(opened).toBeDefined();
    expect(Buffer.compare(await drain(opened!.body), pdf)).toBe(0);
    expect(opened!.object).toEqual({
      size: pdf.length,
      etag: head.ETag,
      lastModified: head.LastModified,
      metadata: { 'report-origin': 'http://frontend.test' },
    });
  });

  it('should leave every answer but a 200 to the SDK: a missing key, a missing bucket, a refused key id', async () => {
    const refusing = clientWith('NOT-A-KEY-ID');
    try {
      expect(await new S3ObjectGet(client, handler, s3.bucket).open('reports/none.pdf')).toBeUndefined();
      expect(await new S3ObjectGet(client, handler, 'no-such-bucket').open(AWKWARD_KEY)).toBeUndefined();
      expect(await new S3ObjectGet(refusing, handler, s3.bucket).open(AWKWARD_KEY)).toBeUndefined();
      // The SDK's own call is refused too: the same answer, which the storage then reports.
      await expect(
        refusing.send(new GetObjectCommand({ Bucket: s3.bucket, Key: AWKWARD_KEY })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      refusing.destroy();
    }
  });

  describe('behind S3ReportStorage', () => {
    it('should answer a missing key with null, and a missing bucket or a refused key id as StorageUnavailable', async () => {
      const settings = s3StorageSettings(s3, 'tenant a/');
      const storages = {
        right: new S3ReportStorage(settings),
        noBucket: new S3ReportStorage({ ...settings, bucket: 'no-such-bucket' }),
        badKeyId: new S3ReportStorage({
          ...settings,
          credentials: { accessKeyId: 'NOT-A-KEY-ID', secretAccessKey: 'S3RVER' },
        }),
      };
      const key = 'reports/C.1/Test_1/students/s@x -y_z.pdf';
      try {
        const opened = await storages.right.open(key);
        expect(Buffer.compare(await drain(opened!.body), pdf)).toBe(0);
        expect(Buffer.compare(await drain(await storages.right.read(key)), pdf)).toBe(0);
        await expect(storages.right.open('reports/C.1/Test_1/students/none.pdf')).resolves.toBeNull();
        await expect(storages.noBucket.open(key)).rejects.toBeInstanceOf(StorageUnavailable);
        await expect(storages.badKeyId.open(key)).rejects.toBeInstanceOf(StorageUnavailable);
      } finally {
        for (const storage of Object.values(storages)) storage.close();
      }
    });
  });
});

/** s3rver does not check v4 signatures: these requests go to a recorder and are checked by the spec's rules. */
describe(`${S3ObjectGet.name}: the signed request`, () => {
  const seen: SeenRequest[] = [];
  let server: Server;
  let endpoint: string;
  let handler: NodeHttpHandler;
  const clients: S3Client[] = [];

  function clientOf(credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>)): S3Client {
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'eu-central-1',
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: handler,
    });
    clients.push(client);
    return client;
  }

  async function lastRequestOf(action: () => Promise<unknown>): Promise<SeenRequest> {
    const before = seen.length;
    const answer = await action();
    if (answer && typeof answer === 'object' && 'body' in answer) await drain(answer.body as Readable);
    expect(seen.length).toBe(before + 1);
    return seen[before];
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.writeHead(200, {
        'Content-Type': 'application/pdf',
        'Content-Length': '5',
        ETag: '"recorded"',
        'Last-Modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
        'x-amz-meta-report-origin': 'http://frontend.test',
      });
      res.end('%PDF-');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handler = new NodeHttpHandler();
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    handler.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('should sign as the SDK does: the checker takes both, and refuses both under another secret', async () => {
    const client = clientOf({ accessKeyId: 'AKID', secretAccessKey: 'right-secret' });
    const bySdk = await lastRequestOf(() =>
      client.send(new GetObjectCommand({ Bucket: 'bk', Key: AWKWARD_KEY })),
    );
    const ours = await lastRequestOf(() => new S3ObjectGet(client, handler, 'bk').open(AWKWARD_KEY));
    for (const request of [bySdk, ours]) {
      expect(sigV4Refusal(request, 'right-secret')).toBeUndefined();
      expect(sigV4Refusal(request, 'other-secret')).toMatch(/does not match/);
    }
    // The same object: the same host, the same encoded path (the SDK adds only its x-id marker).
    expect(ours.headers.host).toBe(bySdk.headers.host);
    expect(ours.url).toBe(bySdk.url.replace('?x-id=GetObject', ''));
    expect(ours.url).toBe('/bk/tenant%20a/reports/C.1/Test_1/students/s%40x%20-y_z.pdf');
    expect(ours.headers['x-amz-content-sha256']).toBe(bySdk.headers['x-amz-content-sha256']);
    expect(ours.headers.authorization).toContain('/eu-central-1/s3/aws4_request');
  });

  it('should sign temporary credentials with their session token, and keep the SDK clock offset', async () => {
    // A provider, as the SDK's default chain (web identity, instance roles) gives.
    const client = clientOf(() =>
      Promise.resolve({
        accessKeyId: 'ASIA-TEMP',
        secretAccessKey: 'temp-secret',
        sessionToken: 'the-session-token',
      }),
    );
    client.config.systemClockOffset = 3_600_000;
    const ours = await lastRequestOf(() => new S3ObjectGet(client, handler, 'bk').open(AWKWARD_KEY));
    expect(sigV4Refusal(ours, 'temp-secret')).toBeUndefined();
    expect(ours.headers['x-amz-security-token']).toBe('the-session-token');
    expect(String(ours.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
    const signedAt = Date.parse(
      String(ours.headers['x-amz-date']).replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    expect(Math.abs(signedAt - (Date.now() + 3_600_000))).toBeLessThan(60_000);
  });

  it('should read the answer as the SDK does: size, etag, date and metadata', async () => {
    const client = clientOf({ accessKeyId: 'AKID', secretAccessKey: 'right-secret' });
    const ours = await new S3ObjectGet(client, handler, 'bk').open('reports/x.pdf');
    const bySdk = await client.send(new GetObjectCommand({ Bucket: 'bk', Key: 'reports/x.pdf' }));
    expect((await drain(ours!.body)).toString()).toBe('%PDF-');
    await drain(bySdk.Body as Readable);
    expect(ours!.object).toEqual({
      size: bySdk.ContentLength,
      etag: bySdk.ETag,
      lastModified: bySdk.LastModified,
      metadata: bySdk.Metadata,
    });
  });
});
