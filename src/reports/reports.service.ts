import { Inject, Injectable } from '@nestjs/common';
import { assertMayList, assertMayView, mayStore, ReportTokens, type Caller } from '../auth';
import { DomainError, ReportNotStored, ReportPurged, StorageUnavailable } from '../common/domain.errors';
import { contentEtag } from '../common/etag';
import { REPORTS_CONFIG, type ReportsConfig } from '../config';
import { PdfRenderer, type RenderPriority } from '../renderer';
import { hasClass, parseClassReport, parseReport, reportKey, type ClassReport, type Report } from '../report';
import type { ReportInput } from '../report';
import { ReportCache, type ProduceDemand, type Produced, type RenderWork } from '../report-cache';
import { inCompletionOrder } from './completion-order';
import { filenameOf, titleOf } from './report-names';
import { ReportPageUrls, type ReportPage } from './report-page-urls';
import { ReportsMetrics } from './reports.metrics';
import {
  closeBody,
  type BulkEntry,
  type BulkRequest,
  type DemandFacts,
  type DownloadRequest,
  type ServedReport,
  type TriggerRequest,
  type TriggerResult,
} from './served-report';
import { ViewerRenders } from './viewer-renders';

/** The trigger's answer when its PDF could not be stored: the backend retries after this. */
const STORE_RETRY_AFTER_SECONDS = 30;

/**
 * The S3-first policy: who gets what, and the one place that decides HIT, MISS or BYPASS. Access is
 * checked before the cache is asked, so a refusal never depends on what is stored; what may be stored is
 * always canonical (the report's own page, with a token minted for that report, never a caller's).
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly cache: ReportCache,
    private readonly renderer: PdfRenderer,
    private readonly pages: ReportPageUrls,
    private readonly tokens: ReportTokens,
    private readonly viewerRenders: ViewerRenders,
    private readonly metrics: ReportsMetrics,
    @Inject(REPORTS_CONFIG) private readonly config: ReportsConfig,
  ) {}

  /** A download: the stored PDF if there is one, else a render (stored when the caller may). */
  async serve(caller: Caller, download: DownloadRequest): Promise<ServedReport> {
    const report = this.authorize(caller, download);
    const filename = filenameOf(report);
    if (!hasClass(report)) {
      // A class-less report is never stored, so a request that asks only about a stored one finds none.
      if (download.storedOnly) throw new ReportNotStored();
      download.tally('bypass');
      const bytes = await this.viewerRenders.run(caller.viewer, () =>
        this.renderAsCaller(caller, report, download.page, download, titleOf(report)),
      );
      return rendered('BYPASS', filename, { bytes, etag: contentEtag(bytes) }, download);
    }

    const key = reportKey(report);
    // Redirect mode needs only the object's facts to sign a URL; the bytes never pass through here.
    const redirecting = this.config.hitDelivery === 'redirect' && !download.storedOnly;
    const found = await this.cache.lookup(key, download.storedOnly || redirecting ? 'facts' : 'bytes');
    if (found && redirecting) {
      download.tally('hit');
      const redirect = await this.cache.presign(key, filename, this.config.presignTtlSeconds);
      return { cache: 'HIT', filename, etag: found.etag, size: found.size, body: undefined, redirect };
    }
    if (found) {
      const wantsBody = download.wantsBody(found.etag);
      const body = wantsBody ? (found.body ?? (await this.cache.read(key)) ?? undefined) : undefined;
      // Without its bytes (deleted since the lookup) the report is simply not stored any more.
      if (!wantsBody || body) {
        download.tally('hit');
        return { cache: 'HIT', filename, etag: found.etag, size: found.size, body };
      }
    }
    if (download.storedOnly) throw new ReportNotStored();

    const store = mayStore(caller.viewer, report);
    download.tally(store ? 'miss' : 'bypass');
    const produced = await this.viewerRenders.run(caller.viewer, () =>
      this.produce(report, { store, gone: download.gone }, download),
    );
    const stored = produced.outcome === 'stored' || produced.outcome === 'store_failed';
    return rendered(stored ? 'MISS' : 'BYPASS', filename, produced, download);
  }

  /**
   * A bulk download: every student is authorized first (403 before any work) and the uncached ones must
   * fit the caller's render budget (429 before any work), then entries come in completion order, a bounded
   * number of students in progress at once.
   */
  async bulk(caller: Caller, request: BulkRequest): Promise<AsyncGenerator<BulkEntry, void, undefined>> {
    assertMayList(caller.viewer);
    const reports = request.studentIds.map((studentId) =>
      this.authorize(caller, {
        kind: 'student',
        classId: request.classId,
        testId: request.testId,
        studentId,
      }),
    );
    await this.viewerRenders.assertRoomFor(caller.viewer, reports, async (report) =>
      hasClass(report) ? !(await this.cache.isStored(reportKey(report))) : true,
    );
    // A bulk never trips its own viewer's render cap.
    const concurrency = Math.min(
      this.config.bulkConcurrency,
      this.config.maxRendersPerViewer ?? Number.POSITIVE_INFINITY,
    );
    // Entries the zip never takes (its client gone) are closed, so no stream is left to the collector.
    return inCompletionOrder(
      reports,
      (report) => this.bulkEntry(caller, report, request),
      concurrency,
      closeBody,
    );
  }

  /**
   * The backend trigger (and each batch item): a canonical render stored under its key (unless
   * `force: false` finds one). Batch items render at batch priority.
   */
  async generate(trigger: TriggerRequest, priority: RenderPriority = 'interactive'): Promise<TriggerResult> {
    const started = performance.now();
    const report = parseClassReport({ kind: trigger.reportType, ...trigger });
    this.pages.assertAllowed(trigger.origin);
    if (trigger.reportToken !== undefined) this.tokens.assertUsable(trigger.reportToken);
    const key = reportKey(report);
    const tally = this.metrics.tally(priority === 'batch' ? 'internal-batch' : 'internal-trigger');
    if (trigger.force === false) {
      const found = await this.cache.lookup(key, 'facts');
      // Kept only when it was rendered from the frontend this trigger names.
      if (found && found.origin === this.pages.originFor(trigger.origin)) {
        tally('hit');
        return { key, cached: true, bytes: found.size, durationMs: elapsed(started) };
      }
    }
    tally('miss');
    const produced = await this.produce(
      report,
      { store: true, mustStore: true, since: trigger.purgeEpoch },
      trigger,
      priority,
    );
    if (produced.outcome === 'purged') throw new ReportPurged();
    if (produced.outcome !== 'stored') {
      throw new StorageUnavailable('write', {
        cause: new Error(`the PDF of ${key} could not be stored`),
        retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
      });
    }
    return { key, cached: false, bytes: produced.bytes.byteLength, durationMs: elapsed(started) };
  }

  /** Deletes stored reports under a scope; renders that started before it do not write back. */
  purge(scope: string): Promise<number> {
    return this.cache.purge(scope);
  }

  /** Validates the ids (400 naming the field) and checks the policy (403) before anything else. */
  private authorize(caller: Caller, input: ReportInput): Report {
    const report = parseReport(input);
    assertMayView(caller.viewer, report);
    return report;
  }

  private async bulkEntry(caller: Caller, report: Report, request: BulkRequest): Promise<BulkEntry> {
    const studentId = report.kind === 'student' ? report.studentId : '';
    const demand = { ...request, requestId: `${request.requestId}:${studentId}` };
    try {
      if (!hasClass(report)) {
        request.tally('bypass');
        const body = await this.viewerRenders.run(caller.viewer, () =>
          this.renderAsCaller(caller, report, 'student', demand),
        );
        return { studentId, status: 'rendered', body };
      }
      const found = await this.cache.lookup(reportKey(report), 'bytes');
      if (found?.body) {
        request.tally('hit');
        return { studentId, status: 'cached', body: found.body };
      }
      const store = mayStore(caller.viewer, report);
      request.tally(store ? 'miss' : 'bypass');
      const produced = await this.viewerRenders.run(caller.viewer, () =>
        this.produce(report, { store, gone: request.gone }, demand),
      );
      return { studentId, status: 'rendered', body: produced.bytes };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { studentId, status: 'failed', error: error.message };
    }
  }

  /** A render nobody stores: the caller's own page with the caller's own token. */
  private renderAsCaller(
    caller: Caller,
    report: Report,
    page: ReportPage,
    demand: Pick<DemandFacts, 'origin' | 'requestId' | 'gone'>,
    title?: string,
  ): Promise<Uint8Array> {
    return this.renderer.render({
      url: this.pages.url(page, report, demand.origin),
      token: caller.token,
      requestId: demand.requestId,
      abandoned: { signal: demand.gone, stopRunning: true },
      title,
    });
  }

  /**
   * The canonical render of a report through the cache: the report's own page, with the backend's report
   * token or one minted for this report, shared by every concurrent caller of its key.
   */
  private produce(
    report: ClassReport,
    demand: ProduceDemand,
    source: { origin?: string; reportToken?: string; requestId: string },
    priority?: RenderPriority,
  ): Promise<Produced> {
    // Decided before the render: the frontend it is rendered from is recorded with it and never raced.
    const origin = this.pages.originFor(source.origin);
    const work: RenderWork = (abandoned) =>
      this.renderer.render({
        url: this.pages.url(report.kind, report, origin),
        token: source.reportToken ?? this.tokens.mint(report),
        requestId: source.requestId,
        // Once running, a render that may be stored finishes (bounded by RENDER_TIMEOUT_MS).
        abandoned: { signal: abandoned, stopRunning: false },
        priority,
        title: titleOf(report),
      });
    return this.cache.produce(reportKey(report), origin, demand, work, { 'report-kind': report.kind });
  }
}

function rendered(
  cache: ServedReport['cache'],
  filename: string,
  render: { bytes: Uint8Array; etag: string },
  download: DownloadRequest,
): ServedReport {
  const body = download.wantsBody(render.etag) ? render.bytes : undefined;
  return { cache, filename, etag: render.etag, size: render.bytes.byteLength, body };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
