import type { Readable } from 'node:stream';
import type { ReportInput } from '../report';
import type { ReportPage } from './report-page-urls';

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

/** What a download answers; ReportsService decides it, the controller only writes it out. */
export interface ServedReport {
  cache: CacheStatus;
  filename: string;
  /** Quoted entity tag. */
  etag: string;
  size: number;
  /** The caller's If-None-Match names this version: answer 304 with no body. */
  notModified: boolean;
  /** Absent for HEAD and 304. A stream for stored PDFs, bytes for fresh renders. */
  body: Readable | Uint8Array | undefined;
  /** HIT_DELIVERY=redirect: a presigned storage URL to answer 302 with instead of the bytes. */
  redirect?: string;
}

/** The request facts that shape an answer, read by the controller from the HTTP request. */
export interface RequestFacts {
  /** The request's Origin header. */
  origin: string | undefined;
  ifNoneMatch: string | undefined;
  headOnly: boolean;
  requestId: string;
  /** Route label for metrics. */
  route: string;
  /** Fires when the client disconnects before the answer is complete. */
  gone: AbortSignal;
}

/** The download being asked for (ids unchecked: the service validates them), with the request facts. */
export interface DownloadRequest extends ReportInput, RequestFacts {
  /** The page a class-less (BYPASS) render opens; stored reports always use their kind's own page. */
  page: ReportPage;
}

/** A bulk download: many students of one test (and class). */
export interface BulkRequest extends RequestFacts {
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
}

export interface TriggerResult {
  key: string;
  cached: boolean;
  bytes: number;
  durationMs: number;
}
