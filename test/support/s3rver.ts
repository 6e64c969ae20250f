import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** A real S3 protocol endpoint on 127.0.0.1 for tests; always `stop()` it in afterAll. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** Closes the server and every open connection; safe to call twice. */
  stop(): Promise<void>;
}

export async function startS3rver(bucket = 'reports-test'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  let running = true;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      if (!running) return;
      running = false;
      // Keep-alive sockets of the SDK would hold close() open indefinitely.
      server.httpServer.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Settings for an S3 driver aimed at a test endpoint (s3rver's fixed keys). */
export function s3StorageSettings(s3: TestS3, keyPrefix = '') {
  return {
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    keyPrefix,
    publicEndpoint: undefined,
    region: 'us-east-1',
  };
}

/** The environment that points the service's s3 driver at a test endpoint. */
export function s3Env(s3: TestS3): Record<string, string> {
  return {
    STORAGE_DRIVER: 's3',
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
}
