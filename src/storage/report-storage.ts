import type { Readable } from 'node:stream';

/** What storage knows of one stored object. */
export interface StoredObject {
  size: number;
  /** Quoted entity tag, usable as an HTTP ETag. */
  etag: string;
  lastModified: Date;
  /** What the writer recorded with it (`WriteOptions.metadata`); empty when nothing was. */
  metadata: Record<string, string>;
}

/** An object opened for reading: what it is, and its bytes. */
export interface OpenedObject {
  object: StoredObject;
  body: Readable;
}

export interface PresignOptions {
  expiresInSeconds: number;
  contentType: string;
  contentDisposition: string;
}

export interface WriteOptions {
  contentType: string;
  metadata?: Record<string, string>;
}

/**
 * The storage port. Keys are relative (`reports/…/x.pdf`), checked inside each driver.
 * "Not found" is only ever a real absence (`stat` → null, `read` → StorageObjectNotFound);
 * any other failure is `StorageUnavailable`.
 */
export abstract class ReportStorage {
  /** Which driver this is, for logs. */
  abstract readonly driver: 's3' | 'fs';
  /** Size, etag and date of the object, or null when there is none. */
  abstract stat(key: string): Promise<StoredObject | null>;
  /**
   * The object's facts and a stream of its bytes in one round trip, or null when there is none: the hit
   * path's single storage call.
   */
  abstract open(key: string): Promise<OpenedObject | null>;
  /** A stream of the object's bytes; never buffers the whole object. */
  abstract read(key: string): Promise<Readable>;
  /** Stores the bytes whole: a reader sees the old object or the new one, never a part. */
  abstract write(key: string, bytes: Uint8Array, options: WriteOptions): Promise<StoredObject>;
  /** Removes the object; no error when there is none (report purge). */
  abstract delete(key: string): Promise<void>;
  /** Every key that starts with `prefix`, in no particular order (report purge and status). */
  abstract list(prefix: string): Promise<string[]>;
  /** Removes these objects (in pages the storage allows); answers how many were asked to go. */
  abstract deleteMany(keys: readonly string[]): Promise<number>;
  /**
   * A URL a client can GET the object from without credentials, valid `expiresInSeconds`, answered with
   * these `Content-Type` / `Content-Disposition`. Only storage that can sign URLs implements it.
   */
  abstract presign(key: string, options: PresignOptions): Promise<string>;
  /** Resolves when storage is reachable and usable. */
  abstract ping(): Promise<void>;
}
