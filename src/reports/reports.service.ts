import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mayView, ReportTokens, type Caller, type ReportRequest } from '../auth';
import { DomainError, Forbidden, InvalidInput, StorageObjectNotFound } from '../common/domain.errors';
import { ReportMetrics } from '../metrics';
import { PdfRenderer, ReportPageUrls, type ReportPage } from '../renderer';
import { ReportStorage, type OpenedObject } from '../storage';
import { normaliseTestId, reportKey, reportRef, validId, type ReportKey, type ReportRef } from './report-key';
import type { BulkEntry } from './bulk-zip';
import type { DownloadRequest, ServedReport } from './served-report';
import { SingleFlight } from './single-flight';

export interface TriggerRequest {
  reportType: 'student' | 'teacher' | 'overall';
  classId: string;
  testId: string;
  studentId?: string;
  teacherId?: string;
  origin?: string;
  reportToken?: string;
  force: boolean;
  requestId: string;
}

export interface TriggerResult {
  key: ReportKey;
  cached: boolean;
  bytes: number;
  durationMs: number;
}

interface Rendered {
  bytes: Uint8Array;
  etag: string;
}

const PDF = 'application/pdf';
const PAGE_OF_KIND: Record<ReportRef['kind'], ReportPage> = {
  student: 'student',
  teacher: 'teacher',
  overall: 'overall',
};

/**
 * The one place that decides HIT, MISS or BYPASS, and the only caller of storage and the renderer for
 * reports. Access is checked before storage is touched, so a refusal never depends on what is cached.
 */
@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);
  private readonly flights = new SingleFlight<Rendered>();

  constructor(
    private readonly storage: ReportStorage,
    private readonly renderer: PdfRenderer,
    private readonly pages: ReportPageUrls,
    private readonly tokens: ReportTokens,
    private readonly metrics: ReportMetrics,
  ) {}

  /** A download: stored PDF if there is one, else a fresh render that is then stored. */
  async serve(caller: Caller, download: DownloadRequest): Promise<ServedReport> {
    const request = this.authorize(caller, download);
    const url = this.pages.url(download.page, pageParams(request), download.origin);
    const job = { url, token: caller.token, requestId: download.requestId };
    const filename = filenameOf(request);

    if (request.classId === undefined) {
      this.metrics.requests.inc({ route: download.route, cache: 'bypass' });
      const bytes = await this.renderer.render(job);
      return answer('BYPASS', filename, { bytes, etag: contentEtag(bytes) }, download);
    }

    const key = reportKey(request as ReportRef);
    const hit = await this.findStored(key, download);
    if (hit) {
      this.metrics.requests.inc({ route: download.route, cache: 'hit' });
      this.logger.log({ key, requestId: download.requestId }, 'PDF found in S3, skipping generation');
      return { cache: 'HIT', filename, ...hit };
    }

    this.metrics.requests.inc({ route: download.route, cache: 'miss' });
    const rendered = await this.flights.run(key, () => this.renderAndStore(key, job));
    return answer('MISS', filename, rendered, download);
  }

  /**
   * A bulk download: every student is authorized first (403 before any work), then entries come in
   * completion order, at most `concurrency` students in progress at once.
   */
  bulk(
    caller: Caller,
    request: { studentIds: string[]; testId: string; classId?: string; origin?: string; requestId: string },
    concurrency: number,
  ): AsyncIterable<BulkEntry> {
    const students = request.studentIds.map((studentId) =>
      this.authorize(caller, {
        kind: 'student',
        classId: request.classId,
        testId: request.testId,
        studentId,
      }),
    );
    const one = (student: ReportRequest): Promise<BulkEntry> => this.bulkEntry(caller, student, request);
    return inCompletionOrder(students, one, concurrency);
  }

  private async bulkEntry(
    caller: Caller,
    student: ReportRequest,
    request: { origin?: string; requestId: string },
  ): Promise<BulkEntry> {
    const studentId = student.kind === 'student' ? student.studentId : '';
    const job = {
      url: this.pages.url('student', pageParams(student), request.origin),
      token: caller.token,
      requestId: `${request.requestId}:${studentId}`,
    };
    try {
      if (student.classId === undefined) {
        return { studentId, status: 'rendered', body: await this.renderer.render(job) };
      }
      const key = reportKey(student as ReportRef);
      const stored = await this.openOrMiss(key);
      if (stored) return { studentId, status: 'cached', body: stored.body };
      const rendered = await this.flights.run(key, () => this.renderAndStore(key, job));
      return { studentId, status: 'rendered', body: rendered.bytes };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { studentId, status: 'failed', error: error.message };
    }
  }

  /** The backend trigger: render afresh (unless `force` is false and the PDF exists) and store it. */
  async generate(trigger: TriggerRequest): Promise<TriggerResult> {
    const started = performance.now();
    const ref = reportRef({ kind: trigger.reportType, ...trigger });
    if (trigger.origin !== undefined && !this.pages.isAllowed(trigger.origin)) {
      throw new InvalidInput('origin', 'is not an allowed frontend origin');
    }
    if (trigger.reportToken !== undefined) this.tokens.assertUsable(trigger.reportToken);
    const key = reportKey(ref);
    if (!trigger.force) {
      const existing = await this.storage.stat(key);
      if (existing) return { key, cached: true, bytes: existing.size, durationMs: elapsed(started) };
    }
    const token = trigger.reportToken ?? this.tokens.mint(ref);
    const url = this.pages.url(
      PAGE_OF_KIND[ref.kind],
      { ...pageParams(ref), testId: trigger.testId },
      trigger.origin,
    );
    this.logger.log({ key, requestId: trigger.requestId }, 'Starting PDF generation');
    const bytes = await this.renderer.render({ url, token, requestId: trigger.requestId });
    try {
      await this.storage.write(key, bytes, { contentType: PDF, metadata: { 'report-kind': ref.kind } });
    } catch (error) {
      this.metrics.storageErrors.inc({ operation: 'write' });
      throw error;
    }
    this.logger.log(
      { key, requestId: trigger.requestId, bytes: bytes.byteLength },
      'PDF uploaded to S3 successfully',
    );
    return { key, cached: false, bytes: bytes.byteLength, durationMs: elapsed(started) };
  }

  /** Validates the ids (400 naming the field) and checks the policy (403) before anything else. */
  authorize(
    caller: Caller,
    download: Pick<DownloadRequest, 'kind' | 'classId' | 'testId' | 'studentId' | 'teacherId'>,
  ): ReportRequest {
    const request = reportRequestOf(download);
    if (!mayView(caller.viewer, request)) throw new Forbidden('this token does not cover that report');
    return request;
  }

  /** Storage that cannot answer counts as a miss: a download must not fail because S3 is slow or down. */
  private async openOrMiss(key: ReportKey): Promise<OpenedObject | null> {
    try {
      return await this.storage.open(key);
    } catch (error) {
      this.storageFailed('read', key, error);
      return null;
    }
  }

  /**
   * One storage round trip for a plain download (GET with the object's facts); HEAD and conditional
   * requests ask for the facts first, so a 304 or a HEAD never moves the bytes. Null means render.
   */
  private async findStored(
    key: ReportKey,
    download: DownloadRequest,
  ): Promise<Omit<ServedReport, 'cache' | 'filename'> | null> {
    try {
      if (!download.headOnly && download.ifNoneMatch === undefined) {
        const opened = await this.openOrMiss(key);
        if (!opened) return null;
        return { etag: opened.object.etag, size: opened.object.size, notModified: false, body: opened.body };
      }
      const stored = await this.storage.stat(key);
      if (!stored) return null;
      const notModified = etagMatches(download.ifNoneMatch, stored.etag);
      const base = { etag: stored.etag, size: stored.size, notModified };
      if (notModified || download.headOnly) return { ...base, body: undefined };
      return { ...base, body: await this.storage.read(key) };
    } catch (error) {
      // Unreachable storage, or the object deleted between two calls: render instead.
      if (!(error instanceof StorageObjectNotFound)) this.storageFailed('read', key, error);
      return null;
    }
  }

  private async renderAndStore(
    key: ReportKey,
    job: { url: string; token: string; requestId: string },
  ): Promise<Rendered> {
    this.logger.log({ key, requestId: job.requestId }, 'Starting PDF generation');
    const bytes = await this.renderer.render(job);
    let etag = contentEtag(bytes);
    try {
      etag = (await this.storage.write(key, bytes, { contentType: PDF })).etag || etag;
      this.logger.log(
        { key, requestId: job.requestId, bytes: bytes.byteLength },
        'PDF uploaded to S3 successfully',
      );
    } catch (error) {
      // The user still gets their PDF; the next download renders again.
      this.storageFailed('write', key, error);
    }
    return { bytes, etag };
  }

  private storageFailed(operation: string, key: string, error: unknown): void {
    this.metrics.storageErrors.inc({ operation });
    if (!(error instanceof DomainError)) throw error;
    this.logger.warn({ key, err: error }, `storage ${operation} failed`);
  }
}

function reportRequestOf(
  download: Pick<DownloadRequest, 'kind' | 'classId' | 'testId' | 'studentId' | 'teacherId'>,
): ReportRequest {
  if (download.classId !== undefined) return reportRef({ ...download, classId: download.classId });
  // BYPASS: the same checks as a keyed report, without a class.
  const testId = normaliseTestId(download.testId);
  switch (download.kind) {
    case 'student':
      return {
        kind: 'student',
        classId: undefined,
        testId,
        studentId: validId('studentId', download.studentId),
      };
    case 'teacher':
      return {
        kind: 'teacher',
        classId: undefined,
        testId,
        teacherId: validId('teacherId', download.teacherId),
      };
    case 'overall':
      return { kind: 'overall', classId: undefined, testId };
  }
}

function pageParams(request: ReportRequest) {
  return {
    classId: request.classId,
    testId: request.testId,
    studentId: request.kind === 'student' ? request.studentId : undefined,
    teacherId: request.kind === 'teacher' ? request.teacherId : undefined,
  };
}

function filenameOf(request: ReportRequest): string {
  switch (request.kind) {
    case 'student':
      return `report_${request.studentId}_${request.testId}.pdf`;
    case 'teacher':
      return `teacher_${request.teacherId}_${request.testId}.pdf`;
    case 'overall':
      return `overall_${request.classId ?? 'class'}_${request.testId}.pdf`;
  }
}

function answer(
  cache: ServedReport['cache'],
  filename: string,
  rendered: Rendered,
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

function contentEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 If-None-Match: a list of (possibly weak) tags, or "*". */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}

/** Runs `work` over `items` with bounded concurrency, yielding results as they complete. */
async function* inCompletionOrder<T, R>(
  items: T[],
  work: (item: T) => Promise<R>,
  concurrency: number,
): AsyncIterable<R> {
  const pending = new Map<number, Promise<{ index: number; result: R }>>();
  let next = 0;
  const start = () => {
    const index = next++;
    pending.set(
      index,
      work(items[index]).then((result) => ({ index, result })),
    );
  };
  while (next < items.length && pending.size < concurrency) start();
  while (pending.size > 0) {
    const { index, result } = await Promise.race(pending.values());
    pending.delete(index);
    if (next < items.length) start();
    yield result;
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
