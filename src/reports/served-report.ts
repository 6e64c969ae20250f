import { Readable } from 'node:stream';
import type { ReportInput } from '../report';
import type { ReportPage } from './report-page-urls';
import type { CacheTally } from './reports.metrics';

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

/** What a download answers; ReportsService decides it, the response edge writes it out. */
export interface ServedReport {
  cache: CacheStatus;
  filename: string;
  /** Quoted entity tag. */
  etag: string;
  size: number;
  /** Absent when the caller wanted no body. A stream for stored PDFs, bytes for fresh renders. */
  body: Readable | Uint8Array | undefined;
  /** HIT_DELIVERY=redirect: a presigned storage URL to answer with instead of the bytes. */
  redirect?: string;
}

/** Who is asking, beyond the report: the facts every download and bulk carries. */
export interface DemandFacts {
  /** The frontend the caller came from (its Origin), when it names one. */
  origin: string | undefined;
  requestId: string;
  /** Counts the HIT / MISS / BYPASS decision under the asking route's label. */
  tally: CacheTally;
  /** Fires when the caller has gone before the answer is complete. */
  gone: AbortSignal;
}

/** The download being asked for (ids unchecked: the service validates them). */
export interface DownloadRequest extends ReportInput, DemandFacts {
  /** The page a class-less (BYPASS) render opens; stored reports always use their kind's own page. */
  page: ReportPage;
  /** Answer only from storage, never render (HEAD, and requests that name a version they hold). */
  storedOnly: boolean;
  /** Does the caller want the bytes of this version (false for HEAD, or a version it already holds)? */
  wantsBody(etag: string): boolean;
}

/** A bulk download: many students of one test (and class). */
export interface BulkRequest extends DemandFacts {
  studentIds: string[];
  testId: string;
  classId?: string;
}

/** One student's outcome in a bulk download. */
export interface BulkEntry {
  studentId: string;
  status: 'cached' | 'rendered' | 'failed';
  /** Stored stream or fresh bytes; absent when failed. */
  body?: Readable | Uint8Array;
  error?: string;
}

/** A stored entry's stream holds a file descriptor or a storage socket until it is read or destroyed. */
export function closeBody(entry: BulkEntry): void {
  if (entry.body instanceof Readable) entry.body.destroy();
}

/** The backend trigger's request. */
export interface TriggerRequest {
  reportType: 'student' | 'teacher' | 'overall';
  classId: string;
  testId: string;
  studentId?: string;
  teacherId?: string;
  origin?: string;
  reportToken?: string;
  /** Re-render and overwrite (the default); false keeps a stored PDF. */
  force?: boolean;
  requestId: string;
  /** The purge epoch the request dates from (a batch item's batch); a purge after it wins (409). */
  purgeEpoch?: number;
}

export interface TriggerResult {
  key: string;
  cached: boolean;
  bytes: number;
  durationMs: number;
}
