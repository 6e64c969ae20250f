import type { Readable } from 'node:stream';

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
}

/** The download being asked for, with the request facts that shape the answer. */
export interface DownloadRequest {
  kind: 'student' | 'teacher' | 'overall';
  /** Absent: BYPASS (render only, store nothing). */
  classId?: string;
  testId: unknown;
  studentId?: unknown;
  teacherId?: unknown;
  /** Which frontend page renders it: the student-self page or the one a teacher views. */
  page: 'student' | 'studentSelf' | 'teacher' | 'overall';
  /** The request's Origin header. */
  origin: string | undefined;
  ifNoneMatch: string | undefined;
  headOnly: boolean;
  requestId: string;
  /** Route label for metrics. */
  route: string;
}
