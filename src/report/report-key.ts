import { parseClassReport, teacherTestId, validId, type ClassReport } from './report';

/** A storage key in the layout shared with the Django backend; made only by `reportKey`. */
export type ReportKey = string & { readonly __reportKey: unique symbol };

/** The deterministic storage key of a report (see DESIGN.md "Keys"; never change the shape). */
export function reportKey(report: ClassReport): ReportKey {
  const base = `reports/${report.classId}`;
  switch (report.kind) {
    case 'student':
      return `${base}/${report.testId}/students/${report.studentId}.pdf` as ReportKey;
    case 'teacher':
      return (
        report.testId === 'overall'
          ? `${base}/overall/teacher_${report.teacherId}.pdf`
          : `${base}/${report.testId}/teacher_${report.teacherId}.pdf`
      ) as ReportKey;
    case 'overall':
      return `${base}/${report.testId}/overall.pdf` as ReportKey;
  }
}

/** What a purge names: one report (`reportType` and its ids), one test of a class, or a whole class. */
export interface PurgeInput {
  classId: unknown;
  testId?: unknown;
  reportType?: ClassReport['kind'];
  studentId?: unknown;
  teacherId?: unknown;
}

/**
 * The key or prefix (ending in "/") a purge deletes, validated like every key: testId normalised exactly as
 * in keys (`5` → `Test_5`; `overall` / `0` → the `overall/` folder of teacher reports).
 */
export function purgeScope(input: PurgeInput): string {
  if (input.reportType !== undefined) {
    const { reportType, ...ids } = input;
    return reportKey(parseClassReport({ ...ids, kind: reportType, testId: ids.testId }));
  }
  const classId = validId('classId', input.classId);
  if (input.testId === undefined) return `reports/${classId}/`;
  return `reports/${classId}/${teacherTestId(input.testId)}/`;
}

/** The folder holding every report of one class and test: its students, its teachers, its overall report. */
export function classTestPrefix(report: ClassReport): string {
  return `reports/${report.classId}/${report.testId}/`;
}

/** Which report of its class and test a key under `classTestPrefix` is; undefined for anything else. */
export type ClassTestEntry = { kind: 'student' | 'teacher'; id: string } | { kind: 'overall' };

export function classTestEntry(prefix: string, key: string): ClassTestEntry | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const student = /^students\/(.+)\.pdf$/.exec(rest);
  if (student) return { kind: 'student', id: student[1] };
  const teacher = /^teacher_(.+)\.pdf$/.exec(rest);
  if (teacher) return { kind: 'teacher', id: teacher[1] };
  return rest === 'overall.pdf' ? { kind: 'overall' } : undefined;
}
