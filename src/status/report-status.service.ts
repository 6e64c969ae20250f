import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth';
import { BatchesService } from '../batches';
import { KeyLocks } from '../coordination';
import { reportKey } from '../report';
import { ReportsService } from '../reports';
import { ReportStorage } from '../storage';

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
    private readonly reports: ReportsService,
    private readonly storage: ReportStorage,
    private readonly locks: KeyLocks,
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
    const report = this.reports.authorizeStored(caller, {
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
    const stored = await this.storage.stat(key);
    if (stored) {
      return {
        ...base,
        status: 'ready',
        etag: stored.etag,
        size: stored.size,
        generatedAt: stored.lastModified.toISOString(),
      };
    }
    const inFlight = await this.inFlight(key);
    return { ...base, status: inFlight.has(key) ? 'generating' : 'missing' };
  }

  /** One storage listing of the class/test folder (paged by the driver), not one call per student. */
  async forClass(caller: Caller, query: { classId?: string; testId: string }): Promise<ClassStatus> {
    // The class overall report's rule: teachers, educators and admins with the class in scope.
    const overall = this.reports.authorizeStored(caller, {
      kind: 'overall',
      classId: query.classId,
      testId: query.testId,
    });
    const prefix = `reports/${overall.classId}/${overall.testId}/`;
    const [stored, inFlight] = await Promise.all([this.storage.list(prefix), this.inFlight(prefix)]);
    const ready = new Set(stored);
    const idsOf = (keys: Iterable<string>, pattern: RegExp) =>
      [...keys].flatMap((key) => {
        const match = pattern.exec(key.slice(prefix.length));
        return match ? [match[1]] : [];
      });
    const student = /^students\/(.+)\.pdf$/;
    return {
      classId: overall.classId,
      testId: overall.testId,
      students: {
        ready: idsOf(ready, student).sort(),
        generating: idsOf(
          [...inFlight].filter((key) => !ready.has(key)),
          student,
        ).sort(),
      },
      teachers: { ready: idsOf(ready, /^teacher_(.+)\.pdf$/).sort() },
      overall: ready.has(`${prefix}overall.pdf`)
        ? 'ready'
        : inFlight.has(`${prefix}overall.pdf`)
          ? 'generating'
          : 'missing',
    };
  }

  /** Keys under `prefix` (or the key itself) being rendered anywhere. */
  private async inFlight(prefix: string): Promise<Set<string>> {
    const [held, pending] = await Promise.all([this.locks.held(prefix), this.batches.pendingKeys(prefix)]);
    const keys = [...this.reports.renderingKeys(), ...held, ...pending].filter((key) =>
      key.startsWith(prefix),
    );
    return new Set(keys);
  }
}
