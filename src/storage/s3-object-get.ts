import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/core/transport';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { OpenedObject } from './report-storage';
import { factsOf } from './s3-object-facts';

const METADATA_HEADER = 'x-amz-meta-';
/** The SHA-256 of an empty payload: what the SDK's own GetObject signs. */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Where the bucket's objects are: every key shares it, only appended to `basePath`. */
interface BucketTarget {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The Host header: hostname and any port. */
  host: string;
  /** The endpoint's path without a trailing slash ("/bucket" path-style, "" virtual-hosted). */
  basePath: string;
}

/**
 * GetObject for the hit path without the SDK's per-call machinery. A `client.send` builds and runs a
 * middleware stack for every command (serde schemas, endpoint rules, checksum and S3 middlewares): about
 * 0.9 ms of CPU per call here, more than the rest of a download. This sends the same request with the
 * client's own parts: the endpoint its resolver gives for this bucket (resolved once), its SigV4 signer over
 * its credentials provider (refreshing credentials included) and clock offset, its HTTP handler and
 * sockets. Only a plain 200 is taken from it: for anything else (404, a redirect, a skewed clock, an
 * error) the caller asks the SDK itself, whose answers and retries stay the one source of truth.
 */
export class S3ObjectGet {
  private readonly signer: SignatureV4;
  private target: Promise<BucketTarget> | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly handler: NodeHttpHandler,
    private readonly bucket: string,
  ) {
    const { config } = client;
    this.signer = new SignatureV4({
      credentials: config.credentials,
      region: config.region,
      service: 's3',
      sha256: config.sha256,
      // S3 signs the path as sent (its keys are encoded once), as the SDK's S3 signer does.
      uriEscapePath: false,
    });
  }

  /** The object and its open body when S3 answers 200; undefined means "ask the SDK". */
  async open(objectKey: string): Promise<OpenedObject | undefined> {
    const target = await this.bucketTarget();
    const unsigned = new HttpRequest({
      method: 'GET',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${target.basePath}/${objectKey.split('/').map(encodeKeySegment).join('/')}`,
      query: {},
      headers: { host: target.host, 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256 },
    });
    const request = await this.signer.sign(unsigned, {
      signingDate: new Date(Date.now() + this.client.config.systemClockOffset),
    });
    let answer;
    try {
      ({ response: answer } = await this.handler.handle(request as HttpRequest));
    } catch {
      // Network trouble: the SDK's own call retries it and reports what it finds.
      return undefined;
    }
    const body = answer.body as unknown;
    if (answer.statusCode !== 200 || !(body instanceof Readable)) {
      // Drained, not destroyed: the keep-alive socket goes back to the pool for the SDK's call.
      if (body instanceof Readable) body.resume();
      return undefined;
    }
    return { object: objectOf(answer.headers, objectKey), body };
  }

  /** Resolved and parsed once: every key of the bucket shares the endpoint the SDK's resolver gives. */
  private bucketTarget(): Promise<BucketTarget> {
    this.target ??= getEndpointFromInstructions(
      { Bucket: this.bucket, Key: 'k' },
      GetObjectCommand,
      this.client.config,
    ).then(
      ({ url }) => ({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        host: url.host,
        basePath: url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname,
      }),
      (error: unknown) => {
        this.target = undefined;
        throw error;
      },
    );
    return this.target;
  }
}

/** The SDK's greedy-label encoding of a key's segments (RFC 3986 unreserved kept, the rest escaped). */
function encodeKeySegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The answer's headers as the SDK reads them into a GetObject output (metadata names lower-case, unprefixed). */
function objectOf(headers: IncomingHttpHeaders | Record<string, string>, objectKey: string) {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(METADATA_HEADER) && typeof value === 'string') {
      metadata[name.slice(METADATA_HEADER.length)] = value;
    }
  }
  const { etag, 'content-length': length, 'last-modified': lastModified } = headers;
  return factsOf(
    {
      ContentLength: length === undefined ? undefined : Number(length),
      ETag: typeof etag === 'string' ? etag : undefined,
      LastModified: typeof lastModified === 'string' ? new Date(lastModified) : undefined,
      Metadata: metadata,
    },
    objectKey,
  );
}
