import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { mayStore, mayView, ReportTokens, viewerIdentity, type Caller } from '../auth';
import {
  Conflict,
  DomainError,
  Forbidden,
  InvalidInput,
  ReportNotStored,
  StorageObjectNotFound,
  StorageUnavailable,
  TooManyRenders,
} from '../common/domain.errors';
import { REPORTS_CONFIG, type ReportsConfig } from '../config';
import { ReportMetrics, type CacheResult } from '../metrics';
import { KeyLocks, PurgeLog } from '../coordination';
import { PdfRenderer, type RenderPriority } from '../renderer';
import { hasClass, parseClassReport, parseReport, reportKey, type ClassReport, type Report } from '../report';
import type { ReportKey } from '../report';
import { ReportStorage } from '../storage';
import { inCompletionOrder } from './completion-order';
import { contentEtag, etagMatches } from './etag';
import { RenderFlights, type FlightControl } from './render-flights';
import { CANONICAL_PAGE, ReportPageUrls } from './report-page-urls';
import type {
  BulkEntry,
  BulkRequest,
  DownloadRequest,
  ServedReport,
  TriggerRequest,
  TriggerResult,
} from './served-report';
import { inSpan } from '../telemetry/spans';
import { RenderBudget } from './render-budget';
import { attachment } from './report-response';
import { ViewerRenderLimit } from './viewer-render-limit';

/** A stored PDF as the lookup found it: its facts, and its bytes when they were asked for. */
interface Found {
  etag: string;
  size: number;
  body: Readable | undefined;
}

/** A canonical render and what became of storing it. */
interface Produced {
  bytes: Uint8Array;
  etag: string;
  stored: 'stored' | 'not_stored' | 'store_failed' | 'purged';
}

/** How a caller takes part in a canonical render. */
interface ProduceOptions {
  /** The caller may have it stored (the flight stores when any waiter may). */
  store: boolean;
  /** The caller's client went away; absent for the backend, which always waits. */
  gone?: AbortSignal;
  origin: string | undefined;
  /** A token the backend minted for this report; otherwise the service mints one. */
  reportToken?: string;
  requestId: string;
  /** Batch items wait behind downloads and the single trigger. */
  priority?: RenderPriority;
}

const PDF = 'application/pdf';
/** The trigger's answer when its PDF could not be stored: the backend retries after this. */
const STORE_RETRY_AFTER_SECONDS = 30;

/**
 * The one place that decides HIT, MISS or BYPASS, and the only caller of storage and the renderer for
 * reports. Every path goes through `lookup` (storage first) and `produce` (one canonical render per key,
 * stored when allowed). Access is checked before storage is touched, so a refusal never depends on what is
 * stored; stored PDFs are always canonical (the report's own page, a token minted for that report).
 */
@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);
  private readonly flights = new RenderFlights<Produced>();
  private readonly perViewer: ViewerRenderLimit;

  constructor(
    private readonly storage: ReportStorage,
    private readonly renderer: PdfRenderer,
    private readonly pages: ReportPageUrls,
    private readonly tokens: ReportTokens,
    private readonly metrics: ReportMetrics,
    private readonly locks: KeyLocks,
    private readonly purges: PurgeLog,
    private readonly budget: RenderBudget,
    @Inject(REPORTS_CONFIG) private readonly config: ReportsConfig,
  ) {
    this.perViewer = new ViewerRenderLimit(config.maxRendersPerViewer);
  }

  /** A download: the stored PDF if there is one, else a canonical render (stored when the caller may). */
  async serve(caller: Caller, download: DownloadRequest): Promise<ServedReport> {
    const report = this.authorize(caller, download);
    const filename = filenameOf(report);
    const probeOnly = download.headOnly || download.ifNoneMatch !== undefined;

    if (!hasClass(report)) {
      // HEAD and conditional requests ask about a stored PDF; a class-less report never is one.
      if (probeOnly) throw new ReportNotStored();
      this.count(download.route, 'bypass');
      const bytes = await this.renderFor(caller, () =>
        this.renderer.render({
          url: this.pages.url(download.page, report, download.origin),
          token: caller.token,
          requestId: download.requestId,
          abandoned: { signal: download.gone, stopRunning: true },
          title: titleOf(report),
        }),
      );
      return answer('BYPASS', filename, { bytes, etag: contentEtag(bytes) }, download);
    }

    const key = reportKey(report);
    // Redirect mode needs only the object's facts to sign a URL; the bytes never pass through here.
    const redirecting = this.config.hitDelivery === 'redirect' && !probeOnly;
    const found = await this.lookup(key, probeOnly || redirecting ? 'facts' : 'bytes');
    if (found && redirecting) {
      this.count(download.route, 'hit');
      return {
        cache: 'HIT',
        filename,
        etag: found.etag,
        size: found.size,
        notModified: false,
        body: undefined,
        redirect: await this.presign(key, filename),
      };
    }
    if (found) {
      const notModified = etagMatches(download.ifNoneMatch, found.etag);
      const wantsBody = !notModified && !download.headOnly;
      const body = wantsBody ? (found.body ?? (await this.readFound(key)) ?? undefined) : undefined;
      // Without its bytes (deleted since the stat) the report is simply not stored any more.
      if (!wantsBody || body) {
        this.count(download.route, 'hit');
        return { cache: 'HIT', filename, etag: found.etag, size: found.size, notModified, body };
      }
    }
    if (probeOnly) throw new ReportNotStored();

    const store = mayStore(caller.viewer, report);
    this.count(download.route, store ? 'miss' : 'bypass');
    const produced = await this.renderFor(caller, () =>
      this.produce(report, key, {
        store,
        gone: download.gone,
        origin: download.origin,
        requestId: download.requestId,
      }),
    );
    const cache = produced.stored === 'not_stored' || produced.stored === 'purged' ? 'BYPASS' : 'MISS';
    return answer(cache, filename, produced, download);
  }

  /**
   * A bulk download: every student is authorized first (403 before any work) and the uncached ones must
   * fit the caller's render budget (429 before any work), then entries come in completion order, a bounded
   * number of students in progress at once.
   */
  async bulk(caller: Caller, request: BulkRequest): Promise<AsyncIterable<BulkEntry>> {
    const reports = request.studentIds.map((studentId) =>
      this.authorize(caller, {
        kind: 'student',
        classId: request.classId,
        testId: request.testId,
        studentId,
      }),
    );
    await this.assertBudgetFor(caller, reports);
    // A bulk never trips its own viewer's render cap.
    const concurrency = Math.min(
      this.config.bulkConcurrency,
      this.config.maxRendersPerViewer ?? Number.POSITIVE_INFINITY,
    );
    return inCompletionOrder(reports, (report) => this.bulkEntry(caller, report, request), concurrency);
  }

  /**
   * The backend trigger (and each batch item): a canonical render stored under its key (unless
   * `force: false` finds one). Batch items render at batch priority.
   */
  async generate(trigger: TriggerRequest, priority: RenderPriority = 'interactive'): Promise<TriggerResult> {
    const started = performance.now();
    const report = parseClassReport({ kind: trigger.reportType, ...trigger });
    if (trigger.origin !== undefined && !this.pages.isAllowed(trigger.origin)) {
      throw new InvalidInput('origin', 'is not an allowed frontend origin');
    }
    if (trigger.reportToken !== undefined) this.tokens.assertUsable(trigger.reportToken);
    const key = reportKey(report);
    const route = priority === 'batch' ? 'internal-batch' : 'internal-trigger';
    if (trigger.force === false) {
      const found = await this.lookup(key, 'facts');
      if (found) {
        this.count(route, 'hit');
        return { key, cached: true, bytes: found.size, durationMs: elapsed(started) };
      }
    }
    this.count(route, 'miss');
    const produced = await this.produce(report, key, {
      store: true,
      origin: trigger.origin,
      reportToken: trigger.reportToken,
      requestId: trigger.requestId,
      priority,
    });
    if (produced.stored === 'purged') {
      throw new Conflict('the report was purged while it rendered; trigger it again if it is still wanted');
    }
    if (produced.stored !== 'stored') {
      throw new StorageUnavailable('write', {
        cause: new Error(`the PDF of ${key} could not be stored`),
        retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
      });
    }
    return { key, cached: false, bytes: produced.bytes.byteLength, durationMs: elapsed(started) };
  }

  /** Validates a report that must name its class (400) and checks the caller may see it (403). */
  authorizeStored(caller: Caller, input: Parameters<typeof parseClassReport>[0]): ClassReport {
    const report = parseClassReport(input);
    if (!mayView(caller.viewer, report)) throw new Forbidden('this token does not cover that report');
    return report;
  }

  /** Keys this process is rendering now. */
  renderingKeys(): string[] {
    return this.flights.keys;
  }

  /**
   * Deletes a stored report or every report under a prefix, and records the purge so renders that started
   * before it do not write their results back (on every replica with REDIS_URL).
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

  /**
   * A render the caller causes: one from their per-minute budget (RENDER_RATE_PER_MINUTE) and one of their
   * concurrent renders (RENDER_MAX_PER_VIEWER); past either, 429 and nothing rendered.
   */
  private async renderFor<T>(caller: Caller, work: () => Promise<T>): Promise<T> {
    try {
      await this.budget.spend(caller.viewer);
      return await this.perViewer.run(viewerIdentity(caller.viewer), work);
    } catch (error) {
      if (error instanceof TooManyRenders) this.metrics.renderRejected.inc({ reason: error.limit });
      throw error;
    }
  }

  /** A bulk whose uncached entries exceed the caller's budget is refused up front, not cut half-way. */
  private async assertBudgetFor(caller: Caller, reports: Report[]): Promise<void> {
    const left = await this.budget.remaining(caller.viewer);
    if (left.renders === Number.POSITIVE_INFINITY) return;
    let uncached = 0;
    for (const report of reports) {
      // Storage that cannot answer counts as uncached (and is counted), as on every other path.
      const key = hasClass(report) ? reportKey(report) : undefined;
      const stored = key
        ? await this.storage.stat(key).catch((error: unknown) => {
            this.storageFailed('read', key, error);
            return null;
          })
        : null;
      if (!stored) uncached += 1;
      if (uncached > left.renders) {
        this.metrics.renderRejected.inc({ reason: 'rate' });
        throw new TooManyRenders(left.retryAfterSeconds, 'rate');
      }
    }
  }

  /** Validates the ids (400 naming the field) and checks the policy (403) before anything else. */
  private authorize(caller: Caller, input: Parameters<typeof parseReport>[0]): Report {
    const report = parseReport(input);
    if (!mayView(caller.viewer, report)) throw new Forbidden('this token does not cover that report');
    return report;
  }

  private async bulkEntry(caller: Caller, report: Report, request: BulkRequest): Promise<BulkEntry> {
    const studentId = report.kind === 'student' ? report.studentId : '';
    const requestId = `${request.requestId}:${studentId}`;
    const route = request.route;
    try {
      if (!hasClass(report)) {
        this.count(route, 'bypass');
        const body = await this.renderFor(caller, () =>
          this.renderer.render({
            url: this.pages.url('student', report, request.origin),
            token: caller.token,
            requestId,
            abandoned: { signal: request.gone, stopRunning: true },
          }),
        );
        return { studentId, status: 'rendered', body };
      }
      const key = reportKey(report);
      const found = await this.lookup(key, 'bytes');
      if (found?.body) {
        this.count(route, 'hit');
        return { studentId, status: 'cached', body: found.body };
      }
      const store = mayStore(caller.viewer, report);
      this.count(route, store ? 'miss' : 'bypass');
      const produced = await this.renderFor(caller, () =>
        this.produce(report, key, { store, gone: request.gone, origin: request.origin, requestId }),
      );
      return { studentId, status: 'rendered', body: produced.bytes };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { studentId, status: 'failed', error: error.message };
    }
  }

  /**
   * The one storage lookup. 'bytes' opens the object (one round trip: the hit path); 'facts' only asks
   * for its size and etag (HEAD, conditional requests, `force: false`). Storage that cannot answer counts
   * as not found: a download must not fail because S3 is slow or down.
   */
  private lookup(key: ReportKey, want: 'facts' | 'bytes'): Promise<Found | null> {
    return inSpan('report.lookup', { 'report.key': key, 'report.lookup': want }, async (span) => {
      const found = await this.lookupNow(key, want);
      span.setAttribute('report.cache', found ? 'hit' : 'miss');
      return found;
    });
  }

  private async lookupNow(key: ReportKey, want: 'facts' | 'bytes'): Promise<Found | null> {
    let found: Found | null;
    try {
      if (want === 'bytes') {
        const opened = await this.storage.open(key);
        found = opened && { etag: opened.object.etag, size: opened.object.size, body: opened.body };
      } else {
        const stat = await this.storage.stat(key);
        found = stat && { etag: stat.etag, size: stat.size, body: undefined };
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

  /** HIT_DELIVERY=redirect: a URL the client fetches the stored PDF from (signed after the access check). */
  private presign(key: ReportKey, filename: string): Promise<string> {
    return this.storage.presign(key, {
      expiresInSeconds: this.config.presignTtlSeconds,
      contentType: PDF,
      contentDisposition: attachment(filename),
    });
  }

  /** The bytes of an object `lookup` found by its facts; null when it went away in between. */
  private async readFound(key: ReportKey): Promise<Readable | null> {
    try {
      return await this.storage.read(key);
    } catch (error) {
      if (!(error instanceof StorageObjectNotFound)) this.storageFailed('read', key, error);
      return null;
    }
  }

  /**
   * The one render-and-store path: a canonical render (the report's own page, with the backend's report
   * token or one minted for this report, never a caller's), shared by every concurrent caller of the key in
   * this process, and across replicas through a per-key lock: when another replica holds the key, this one
   * waits for its render and answers what it stored. Stored when any caller may; a failed store is logged
   * and counted, and the bytes are still answered.
   */
  private produce(report: ClassReport, key: ReportKey, options: ProduceOptions): Promise<Produced> {
    return this.flights.join(key, { store: options.store, gone: options.gone }, async (flight) => {
      const lease = await this.locks.tryAcquire(key);
      if (!lease) {
        const elsewhere = await this.awaitElsewhere(key);
        if (elsewhere) return elsewhere;
      }
      try {
        return await this.renderAndStore(report, key, options, flight);
      } finally {
        await lease?.release();
      }
    });
  }

  /** The PDF another replica is rendering for `key`, once it is stored; null when it was not. */
  private async awaitElsewhere(key: ReportKey): Promise<Produced | null> {
    await this.locks.waitForRelease(key, this.config.lockWaitMs);
    const found = await this.lookup(key, 'bytes');
    if (!found?.body) return null;
    const bytes = new Uint8Array(Buffer.concat(await found.body.toArray()));
    return { bytes, etag: found.etag, stored: 'stored' };
  }

  private async renderAndStore(
    report: ClassReport,
    key: ReportKey,
    options: ProduceOptions,
    flight: FlightControl,
  ): Promise<Produced> {
    this.logger.log({ key, driver: this.storage.driver }, 'Starting PDF generation');
    const startedAt = await this.purges.epoch();
    const bytes = await this.renderer.render({
      url: this.pages.url(CANONICAL_PAGE[report.kind], report, options.origin),
      token: options.reportToken ?? this.tokens.mint(report),
      requestId: options.requestId,
      // Once running, a render that may be stored finishes (bounded by RENDER_TIMEOUT_MS).
      abandoned: { signal: flight.abandoned, stopRunning: false },
      priority: options.priority,
      title: titleOf(report),
    });
    if (!flight.shouldStore()) return { bytes, etag: contentEtag(bytes), stored: 'not_stored' };
    // A report purged while it rendered (a deleted student, say) must not be written back.
    if (await this.purges.purgedAfter(key, startedAt)) {
      this.logger.log({ key }, 'report purged during its render; not stored');
      return { bytes, etag: contentEtag(bytes), stored: 'purged' };
    }
    try {
      const written = await inSpan(
        'storage.write',
        { 'report.key': key, 'storage.driver': this.storage.driver },
        () => this.storage.write(key, bytes, { contentType: PDF, metadata: { 'report-kind': report.kind } }),
      );
      if (await this.purges.purgedAfter(key, startedAt)) {
        // The purge ran while this write was on its way: take the write back.
        await this.storage.delete(key);
        return { bytes, etag: contentEtag(bytes), stored: 'purged' };
      }
      this.logger.log(
        { key, driver: this.storage.driver, bytes: bytes.byteLength },
        'PDF uploaded to S3 successfully',
      );
      return { bytes, etag: written.etag || contentEtag(bytes), stored: 'stored' };
    } catch (error) {
      this.storageFailed('write', key, error);
      return { bytes, etag: contentEtag(bytes), stored: 'store_failed' };
    }
  }

  private count(route: string, cache: CacheResult): void {
    this.metrics.requests.inc({ route, cache });
  }

  private storageFailed(operation: 'read' | 'write', key: string, error: unknown): void {
    this.metrics.storageErrors.inc({ operation });
    if (!(error instanceof DomainError)) throw error;
    this.logger.warn({ key, driver: this.storage.driver, err: error }, `storage ${operation} failed`);
  }
}

/** The PDF Title of a report whose page has no `<title>`: "Student report STU001 · Test_5". */
function titleOf(report: Report): string {
  switch (report.kind) {
    case 'student':
      return `Student report ${report.studentId} · ${report.testId}`;
    case 'teacher':
      return `Teacher report ${report.teacherId} · ${report.testId}`;
    case 'overall':
      return `Class report ${report.classId ?? ''} · ${report.testId}`;
  }
}

function filenameOf(report: Report): string {
  switch (report.kind) {
    case 'student':
      return `report_${report.studentId}_${report.testId}.pdf`;
    case 'teacher':
      return `teacher_${report.teacherId}_${report.testId}.pdf`;
    case 'overall':
      return `overall_${report.classId ?? 'class'}_${report.testId}.pdf`;
  }
}

function answer(
  cache: ServedReport['cache'],
  filename: string,
  rendered: { bytes: Uint8Array; etag: string },
  download: DownloadRequest,
): ServedReport {
  const notModified = etagMatches(download.ifNoneMatch, rendered.etag);
  return {
    cache,
    filename,
    etag: rendered.etag,
    size: rendered.bytes.byteLength,
    notModified,
    body: notModified || download.headOnly ? undefined : rendered.bytes,
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
