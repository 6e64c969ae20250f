import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { OnApplicationShutdown } from '@nestjs/common';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { StorageObjectNotFound, StorageUnavailable } from '../common/domain.errors';
import type { S3StorageConfig } from '../config';
import { OpenedObject, PresignOptions, ReportStorage, StoredObject, WriteOptions } from './report-storage';
import { factsOf } from './s3-object-facts';
import { S3ObjectGet } from './s3-object-get';
import { assertStorageKey } from './storage-key';

/** Connecting to a dead endpoint fails after this long, instead of the OS's minutes. */
const CONNECT_TIMEOUT_MS = 2000;
/** A socket silent for this long is cut (also bounds a stalled streaming read). */
const SOCKET_TIMEOUT_MS = 10000;
/** Whole-operation bound for the small requests (stat, delete, list page, ping), retries included. */
const METADATA_OP_TIMEOUT_MS = 4000;
const MAX_SOCKETS = 128;
const DELETE_PAGE = 1000;

/** S3 and S3-compatible object storage (MinIO, s3rver, …). */
export class S3ReportStorage extends ReportStorage implements OnApplicationShutdown {
  readonly driver = 's3';
  private readonly client: S3Client;
  /** The hit path's GetObject, on the client's own signer, endpoint and sockets. */
  private readonly objectGet: S3ObjectGet;
  /** Signs presigned URLs for the endpoint clients reach (S3_PUBLIC_ENDPOINT), never sends a request. */
  private readonly signer: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;

  constructor(config: Omit<S3StorageConfig, 'driver'>) {
    super();
    this.bucket = config.bucket;
    this.keyPrefix = config.keyPrefix;
    const handler = new NodeHttpHandler({
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: SOCKET_TIMEOUT_MS,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    });
    this.client = new S3Client({
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      region: config.region ?? 'us-east-1',
      credentials: config.credentials,
      maxAttempts: 2,
      // The SDK's default (WHEN_SUPPORTED) adds CRC checksums with aws-chunked encoding to uploads, which
      // S3-compatible servers such as s3rver store verbatim, chunk framing included: a silently corrupt PDF.
      // Checksums only where the API requires them keeps every S3-compatible server byte-exact.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: handler,
    });
    this.objectGet = new S3ObjectGet(this.client, handler, this.bucket);
    this.signer = new S3Client({
      endpoint: config.publicEndpoint ?? config.endpoint,
      forcePathStyle: config.forcePathStyle,
      region: config.region ?? 'us-east-1',
      credentials: config.credentials,
    });
  }

  async stat(key: string): Promise<StoredObject | null> {
    const objectKey = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: AbortSignal.timeout(METADATA_OP_TIMEOUT_MS),
      });
      return factsOf(head, objectKey);
    } catch (error) {
      if (isObjectMissing(error)) return null;
      throw new StorageUnavailable('stat', { cause: error });
    }
  }

  async open(key: string): Promise<OpenedObject | null> {
    const objectKey = this.objectKey(key);
    try {
      return await this.fetchObject(objectKey);
    } catch (error) {
      if (isObjectMissing(error)) return null;
      throw new StorageUnavailable('read', { cause: error });
    }
  }

  async read(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      return (await this.fetchObject(objectKey)).body;
    } catch (error) {
      if (isObjectMissing(error)) throw new StorageObjectNotFound(key);
      throw new StorageUnavailable('read', { cause: error });
    }
  }

  /**
   * The hit path's signed GET when S3 answers it with a 200; every other answer comes from the SDK's own
   * GetObject (its retries, redirects and errors).
   */
  private async fetchObject(objectKey: string): Promise<OpenedObject> {
    const opened = await this.objectGet.open(objectKey);
    if (opened) return opened;
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    if (!(object.Body instanceof Readable)) throw new Error('GetObject returned no Node.js stream');
    return { object: factsOf(object, objectKey), body: object.Body };
  }

  async write(key: string, bytes: Uint8Array, options: WriteOptions): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    try {
      const put = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          ContentLength: bytes.byteLength,
          ContentType: options.contentType,
          Metadata: options.metadata,
        }),
      );
      return {
        size: bytes.byteLength,
        etag: put.ETag ?? '',
        lastModified: new Date(),
        metadata: options.metadata ?? {},
      };
    } catch (error) {
      throw new StorageUnavailable('write', { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }), {
        abortSignal: AbortSignal.timeout(METADATA_OP_TIMEOUT_MS),
      });
    } catch (error) {
      throw new StorageUnavailable('delete', { cause: error });
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertStorageKey(prefix, { prefix: true });
    const keys: string[] = [];
    let continuationToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.keyPrefix + prefix,
            ContinuationToken: continuationToken,
          }),
          { abortSignal: AbortSignal.timeout(METADATA_OP_TIMEOUT_MS) },
        );
        for (const object of page.Contents ?? []) {
          if (object.Key) keys.push(object.Key.slice(this.keyPrefix.length));
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
    } catch (error) {
      throw new StorageUnavailable('list', { cause: error });
    }
    return keys;
  }

  /** DeleteObjects takes at most 1000 keys per call. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    for (let start = 0; start < keys.length; start += DELETE_PAGE) {
      const page = keys.slice(start, start + DELETE_PAGE);
      try {
        const answer = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: page.map((key) => ({ Key: this.objectKey(key) })), Quiet: true },
          }),
        );
        if (answer.Errors && answer.Errors.length > 0) {
          throw new Error(`${answer.Errors.length} objects not deleted: ${answer.Errors[0].Code ?? ''}`);
        }
      } catch (error) {
        throw new StorageUnavailable('delete', { cause: error });
      }
    }
    return keys.length;
  }

  /** Signed for the public endpoint when one is set: the signature covers the host clients will use. */
  async presign(key: string, options: PresignOptions): Promise<string> {
    return getSignedUrl(
      this.signer,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        ResponseContentType: options.contentType,
        ResponseContentDisposition: options.contentDisposition,
      }),
      { expiresIn: options.expiresInSeconds },
    );
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(METADATA_OP_TIMEOUT_MS),
      });
    } catch (error) {
      throw new StorageUnavailable('ping', { cause: error });
    }
  }

  /** Nest calls this on the factory-made provider: the SDK's sockets close with the app. */
  onApplicationShutdown(): void {
    this.close();
  }

  /** Releases the keep-alive sockets. */
  close(): void {
    this.client.destroy();
    this.signer.destroy();
  }

  /** The one place S3_KEY_PREFIX is applied. */
  private objectKey(key: string): string {
    assertStorageKey(key);
    return this.keyPrefix + key;
  }
}

/**
 * Only a real 404 means "not found". A GetObject on a missing bucket says NoSuchBucket (a broken setup, not a
 * miss); HEAD answers carry no body, so there a missing bucket is a 404 too, and the health check's
 * HeadBucket is what reports it.
 */
function isObjectMissing(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (name === 'NoSuchBucket') return false;
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}
