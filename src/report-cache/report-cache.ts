import { Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { attachment } from '../common/content-disposition';
import { CoordinationUnavailable, DomainError, StorageObjectNotFound } from '../common/domain.errors';
import { contentEtag } from '../common/etag';
import { KeyLocks, PurgeLog } from '../coordination';
import type { ReportKey } from '../report';
import { ReportStorage, type StoredObject } from '../storage';
import { inSpan } from '../telemetry/spans';
import type { Produced, ProduceDemand, RenderWork, StoredReport } from './produced';
import { KeyQueue } from './key-queue';
import { RenderFlights, type FlightControl } from './render-flights';
import type { ReportCacheMetrics } from './report-cache.metrics';

const PDF = 'application/pdf';
/** The metadata entry a stored render's origin is recorded under (S3 `x-amz-meta-report-origin`). */
const ORIGIN = 'report-origin';

/**
 * Stored reports by key: look one up, produce one by running a render it is given (one render per key in
 * the process and across replicas, never written back after a purge), purge a scope, and say what is being
 * rendered. It knows keys and bytes, never pages, tokens or users: callers decide who may have what.
 *
 * Concurrency, one mechanism per problem:
 * - in-process flights: concurrent callers of one key and origin share one render (eight misses, one render);
 * - a per-key queue in the process: renders of one key from different origins run one after the other, so
 *   the last one written is the last one answered (never two writes racing);
 * - the fleet's per-key lock: a replica that finds the key locked waits for the holder and answers what it
 *   stored when it is the same origin's (else it renders its own once the lock is free), so one key renders
 *   once across replicas;
 * - the purge epoch, read before the render and checked before and after the write: a purge that ran
 *   meanwhile wins, and a write that raced it is deleted again.
 */
export class ReportCache {
  private readonly logger = new Logger(ReportCache.name);
  private readonly flights = new RenderFlights<Produced>();
  private readonly queue = new KeyQueue();

  constructor(
    private readonly storage: ReportStorage,
    private readonly locks: KeyLocks,
    private readonly purges: PurgeLog,
    private readonly metrics: ReportCacheMetrics,
    /** How long to wait for another replica's render of the same key. */
    private readonly lockWaitMs: number,
    /** What a stored report with no recorded origin counts as rendered from. */
    private readonly defaultOrigin: string,
  ) {}

  /**
   * The stored report: 'bytes' opens it (one round trip: the hit path), 'facts' only asks for its size and
   * etag. Storage that cannot answer counts as not stored (and is counted): a download must not fail
   * because S3 is slow or down.
   */
  lookup(key: ReportKey, want: 'facts' | 'bytes'): Promise<StoredReport | null> {
    return inSpan('report.lookup', { 'report.key': key, 'report.lookup': want }, async (span) => {
      const found = await this.lookupNow(key, want);
      span.setAttribute('report.cache', found ? 'hit' : 'miss');
      return found;
    });
  }

  /** The bytes of a report `lookup` found by its facts; null when it went away in between. */
  async read(key: ReportKey): Promise<Readable | null> {
    try {
      return await this.storage.read(key);
    } catch (error) {
      if (!(error instanceof StorageObjectNotFound)) this.storageFailed('read', key, error);
      return null;
    }
  }

  /** Is the key stored? Storage that cannot answer counts as not (and is counted), as in `lookup`. */
  async isStored(key: string): Promise<boolean> {
    try {
      return (await this.storage.stat(key)) !== null;
    } catch (error) {
      this.storageFailed('read', key, error);
      return false;
    }
  }

  /** The stored report's facts for a status answer; storage failures propagate (never "missing" by mistake). */
  find(key: ReportKey): Promise<StoredObject | null> {
    return this.storage.stat(key);
  }

  /** Every stored key under a prefix (one listing); storage failures propagate. */
  storedUnder(prefix: string): Promise<string[]> {
    return this.storage.list(prefix);
  }

  /** A URL the client fetches the stored PDF from, downloaded as `filename` (signed after the access check). */
  presign(key: ReportKey, filename: string, expiresInSeconds: number): Promise<string> {
    return this.storage.presign(key, {
      expiresInSeconds,
      contentType: PDF,
      contentDisposition: attachment(filename),
    });
  }

  /**
   * The one render-and-store path. The first caller's `work` renders; callers of the same key meanwhile
   * share it. Stored when any caller may; a failed store is logged and counted, and the bytes are still
   * answered. When another replica holds the key, this one waits for it and answers what it stored.
   */
  produce(
    key: ReportKey,
    origin: string,
    demand: ProduceDemand,
    work: RenderWork,
    metadata: Record<string, string>,
  ): Promise<Produced> {
    return this.flights.join(`${key} ${origin}`, demand, (flight) =>
      this.queue.run(key, () => this.produceNow(key, origin, demand, flight, work, metadata)),
    );
  }

  private async produceNow(
    key: ReportKey,
    origin: string,
    demand: ProduceDemand,
    flight: FlightControl,
    work: RenderWork,
    metadata: Record<string, string>,
  ): Promise<Produced> {
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      const lease = await this.locks.tryAcquire(key).catch((error: unknown) => {
        // Redis unreachable: a download still gets its PDF, but nothing may be stored (no lock, no purge log).
        if (error instanceof CoordinationUnavailable && !demand.mustStore) return 'uncoordinated' as const;
        throw error;
      });
      if (lease === 'uncoordinated') {
        this.logger.log({ key, driver: this.storage.driver, stored: false }, 'Starting PDF generation');
        const bytes = await work(flight.abandoned);
        return { bytes, etag: contentEtag(bytes), outcome: 'not_stored' };
      }
      if (!lease) {
        const elsewhere = await this.awaitElsewhere(key, origin, deadline);
        if (elsewhere) return elsewhere;
        // Another origin's render (or none stored): take the lock for ours while there is time to wait.
        if (Date.now() < deadline) continue;
      }
      try {
        this.logger.log({ key, driver: this.storage.driver }, 'Starting PDF generation');
        const startedAt = await this.purges.epoch();
        const bytes = await work(flight.abandoned);
        if (!flight.shouldStore()) return { bytes, etag: contentEtag(bytes), outcome: 'not_stored' };
        const since = Math.min(startedAt, flight.since() ?? startedAt);
        return await this.store(key, bytes, since, { ...metadata, [ORIGIN]: origin });
      } finally {
        await lease?.release();
      }
    }
  }

  /**
   * Deletes a stored report or every report under a prefix, and records the purge first so renders that
   * started before it do not write their results back (on every replica with REDIS_URL).
   */
  async purge(scope: string): Promise<number> {
    await this.purges.record(scope);
    const stored = scope.endsWith('/')
      ? await this.storage.list(scope)
      : (await this.storage.stat(scope))
        ? [scope]
        : [];
    const deleted = await this.storage.deleteMany(stored);
    this.logger.log({ scope, deleted }, 'reports purged');
    return deleted;
  }

  /** Is `key` being rendered now, in this process or on any replica? */
  async isRendering(key: ReportKey): Promise<boolean> {
    return this.queue.has(key) || (await this.locks.isHeld(key));
  }

  /** Keys starting with `prefix` being rendered now, in this process or on any replica. */
  async renderingUnder(prefix: string): Promise<Set<string>> {
    const held = await this.locks.held(prefix);
    return new Set([...this.queue.keys, ...held].filter((key) => key.startsWith(prefix)));
  }

  private async lookupNow(key: ReportKey, want: 'facts' | 'bytes'): Promise<StoredReport | null> {
    let found: StoredReport | null;
    try {
      if (want === 'bytes') {
        const opened = await this.storage.open(key);
        found = opened && { ...opened.object, origin: this.originOf(opened.object), body: opened.body };
      } else {
        const stat = await this.storage.stat(key);
        found = stat && { ...stat, origin: this.originOf(stat), body: undefined };
      }
    } catch (error) {
      this.storageFailed('read', key, error);
      return null;
    }
    if (found) {
      this.logger.log({ key, driver: this.storage.driver }, 'PDF found in S3, skipping generation');
    }
    return found;
  }

  /** What another replica stored for `key` from `origin`, once its lock is free; null when it was not. */
  private async awaitElsewhere(key: ReportKey, origin: string, deadline: number): Promise<Produced | null> {
    await this.locks.waitForRelease(key, Math.max(0, deadline - Date.now()));
    const found = await this.lookup(key, 'bytes');
    if (!found?.body) return null;
    if (found.origin !== origin) {
      found.body.destroy();
      return null;
    }
    const bytes = new Uint8Array(Buffer.concat(await found.body.toArray()));
    return { bytes, etag: found.etag, outcome: 'stored' };
  }

  /** The purge epoch now: a demand that names it as `since` is held by every purge after this. */
  purgeEpoch(): Promise<number> {
    return this.purges.epoch();
  }

  /** Was `key` purged after `epoch`? (A batch item queued before a purge of its key ends "purged".) */
  purgedSince(key: string, epoch: number): Promise<boolean> {
    return this.purges.purgedAfter(key, epoch);
  }

  private async store(
    key: ReportKey,
    bytes: Uint8Array,
    startedAt: number,
    metadata: Record<string, string>,
  ): Promise<Produced> {
    const unstored = (outcome: 'purged' | 'store_failed'): Produced => ({
      bytes,
      etag: contentEtag(bytes),
      outcome,
    });
    // A report purged while it rendered (a deleted student, say) must not be written back.
    if (await this.purges.purgedAfter(key, startedAt)) {
      this.logger.log({ key }, 'report purged during its render; not stored');
      return unstored('purged');
    }
    try {
      const written = await inSpan(
        'storage.write',
        { 'report.key': key, 'storage.driver': this.storage.driver },
        () => this.storage.write(key, bytes, { contentType: PDF, metadata }),
      );
      if (await this.purges.purgedAfter(key, startedAt)) {
        // The purge ran while this write was on its way: take the write back.
        await this.storage.delete(key);
        return unstored('purged');
      }
      this.logger.log(
        { key, driver: this.storage.driver, bytes: bytes.byteLength },
        'PDF uploaded to S3 successfully',
      );
      return { bytes, etag: written.etag || contentEtag(bytes), outcome: 'stored' };
    } catch (error) {
      this.storageFailed('write', key, error);
      return unstored('store_failed');
    }
  }

  private originOf(stored: StoredObject): string {
    return stored.metadata[ORIGIN] ?? this.defaultOrigin;
  }

  private storageFailed(operation: 'read' | 'write', key: string, error: unknown): void {
    this.metrics.storageFailed(operation);
    if (!(error instanceof DomainError)) throw error;
    this.logger.warn({ key, driver: this.storage.driver, err: error }, `storage ${operation} failed`);
  }
}
