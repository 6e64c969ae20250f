import { Injectable } from '@nestjs/common';
import { assertMayList, assertMayView, type Caller } from '../auth';
import { BatchesService } from '../batches';
import { classTestEntry, classTestPrefix, parseClassReport, reportKey, type ClassReport } from '../report';
import type { ReportInput } from '../report';
import { ReportCache } from '../report-cache';

export type ReportState = 'ready' | 'generating' | 'missing';

/** GET /report-status. */
export interface ReportStatus {
  reportType: 'student' | 'teacher' | 'overall';
  classId: string;
  testId: string;
  studentId?: string;
  teacherId?: string;
  s3Key: string;
  status: ReportState;
  etag?: string;
  size?: number;
  generatedAt?: string;
}

/** GET /report-status/class. */
export interface ClassStatus {
  classId: string;
  testId: string;
  students: { ready: string[]; generating: string[] };
  teachers: { ready: string[] };
  overall: ReportState;
}

/**
 * "PDF ready or generating" for the frontend, behind the same access rules as the downloads. Never renders.
 * Generating means a render of the key is in flight: in this process, on any replica (its Redis lock), or
 * as a batch item not finished yet.
 */
@Injectable()
export class ReportStatusService {
  constructor(
    private readonly cache: ReportCache,
    private readonly batches: BatchesService,
  ) {}

  async report(
    caller: Caller,
    query: {
      reportType: ReportStatus['reportType'];
      classId?: string;
      testId: string;
      studentId?: string;
      teacherId?: string;
    },
  ): Promise<ReportStatus> {
    const own = caller.viewer;
    const report = authorize(caller, {
      kind: query.reportType,
      classId: query.classId,
      testId: query.testId,
      studentId: query.studentId ?? (own.role === 'student' ? own.studentId : undefined),
      teacherId: query.teacherId ?? own.teacherId,
    });
    const key = reportKey(report);
    const base = {
      reportType: report.kind,
      classId: report.classId,
      testId: report.testId,
      ...(report.kind === 'student' ? { studentId: report.studentId } : {}),
      ...(report.kind === 'teacher' ? { teacherId: report.teacherId } : {}),
      s3Key: key,
    };
    const stored = await this.cache.find(key);
    if (stored) {
      return {
        ...base,
        status: 'ready',
        etag: stored.etag,
        size: stored.size,
        generatedAt: stored.lastModified.toISOString(),
      };
    }
    const [rendering, pending] = await Promise.all([
      this.cache.isRendering(key),
      this.batches.isPending(key),
    ]);
    return { ...base, status: rendering || pending ? 'generating' : 'missing' };
  }

  /** One storage listing of the class/test folder (paged by the driver), not one call per student. */
  async forClass(caller: Caller, query: { classId?: string; testId: string }): Promise<ClassStatus> {
    assertMayList(caller.viewer);
    // The class overall report's rule: teachers, educators and admins with the class in scope.
    const overall = authorize(caller, { kind: 'overall', classId: query.classId, testId: query.testId });
    const prefix = classTestPrefix(overall);
    const [stored, inFlight] = await Promise.all([this.cache.storedUnder(prefix), this.inFlight(prefix)]);
    const ready = new Set(stored);
    const generating = [...inFlight].filter((key) => !ready.has(key));
    const overallKey = reportKey(overall);
    return {
      classId: overall.classId,
      testId: overall.testId,
      students: { ready: idsOf(prefix, ready, 'student'), generating: idsOf(prefix, generating, 'student') },
      teachers: { ready: idsOf(prefix, ready, 'teacher') },
      overall: ready.has(overallKey) ? 'ready' : inFlight.has(overallKey) ? 'generating' : 'missing',
    };
  }

  /** Keys under `prefix` (or the key itself) being rendered anywhere, or waiting in a batch. */
  private async inFlight(prefix: string): Promise<Set<string>> {
    const [rendering, pending] = await Promise.all([
      this.cache.renderingUnder(prefix),
      this.batches.pendingKeys(prefix),
    ]);
    return new Set([...rendering, ...[...pending].filter((key) => key.startsWith(prefix))]);
  }
}

/** Validates a report that must name its class (400) and checks the caller may see it (403). */
function authorize(caller: Caller, input: ReportInput): ClassReport {
  const report = parseClassReport(input);
  assertMayView(caller.viewer, report);
  return report;
}

/** The ids of the `kind` reports among `keys`, sorted. */
function idsOf(prefix: string, keys: Iterable<string>, kind: 'student' | 'teacher'): string[] {
  return [...keys]
    .flatMap((key) => {
      const entry = classTestEntry(prefix, key);
      return entry && entry.kind !== 'overall' && entry.kind === kind ? [entry.id] : [];
    })
    .sort();
}
