import { InvalidInput } from '../common/domain.errors';

export const REPORT_KINDS = ['student', 'teacher', 'overall'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * One report: which kind, of which test, about whom, and (when known) of which class. Made only by
 * `parseReport`, so ids are valid and testId is normalised wherever a `Report` exists.
 * Without a classId the report has no storage key: it can only be rendered (BYPASS), never stored.
 */
export type Report =
  | { kind: 'student'; classId: string | undefined; testId: string; studentId: string }
  | { kind: 'teacher'; classId: string | undefined; testId: string; teacherId: string }
  | { kind: 'overall'; classId: string | undefined; testId: string };

/** A report that names its class, so it has a storage key. */
export type ClassReport = Report & { classId: string };

/** What callers send; every field is checked by `parseReport`. */
export interface ReportInput {
  kind: ReportKind;
  classId?: unknown;
  testId: unknown;
  studentId?: unknown;
  teacherId?: unknown;
}

const ID = /^[A-Za-z0-9_\-.@]{1,128}$/;
const TEST_ID = /^[A-Za-z0-9_\-.@ ]{1,128}$/;
const ID_RULE = 'must be 1-128 characters of letters, digits, _ - . @';
/** The test id of a teacher's overall report (also written `0`, any case of `overall`). */
export const OVERALL_TEST_ID = 'overall';

/**
 * The one validation of a report: the first bad field throws `InvalidInput` naming it. A teacher report
 * whose testId is `overall` or `0` is the teacher's overall report, with or without a class.
 */
export function parseReport(input: ReportInput): Report {
  const classId = input.classId === undefined ? undefined : validId('classId', input.classId);
  switch (input.kind) {
    case 'student': {
      const testId = normaliseTestId(input.testId);
      return { kind: 'student', classId, testId, studentId: validId('studentId', input.studentId) };
    }
    case 'teacher': {
      const testId = teacherTestId(input.testId);
      return { kind: 'teacher', classId, testId, teacherId: validId('teacherId', input.teacherId) };
    }
    case 'overall':
      return { kind: 'overall', classId, testId: normaliseTestId(input.testId) };
  }
}

/** A report that must have a class (the backend trigger, batches): classId is required. */
export function parseClassReport(input: ReportInput): ClassReport {
  const classId = validId('classId', input.classId);
  return { ...parseReport({ ...input, classId }), classId };
}

export function hasClass(report: Report): report is ClassReport {
  return report.classId !== undefined;
}

/** Checks one id field; anything outside the alphabet is refused, never rewritten. */
export function validId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidInput(field, 'is required');
  if (!ID.test(value) || value === '.' || value === '..') throw new InvalidInput(field, ID_RULE);
  return value;
}

/**
 * Checks and normalises a test id: digits only → `Test_N`, runs of spaces → `_`,
 * so `5`, `Test 5` and `Test_5` name one test.
 */
export function normaliseTestId(value: unknown, field = 'testId'): string {
  if (typeof value !== 'string' || value === '') throw new InvalidInput(field, 'is required');
  if (!TEST_ID.test(value) || value !== value.trim() || value === '.' || value === '..') {
    throw new InvalidInput(field, `${ID_RULE} or spaces (not at either end)`);
  }
  if (/^\d+$/.test(value)) return `Test_${value}`;
  return value.replace(/ +/g, '_');
}

/** A teacher report's test id: `overall` / `0` (any case) is the overall report, else a normalised test. */
export function teacherTestId(value: unknown, field = 'testId'): string {
  if (typeof value === 'string' && /^(overall|0)$/i.test(value)) return OVERALL_TEST_ID;
  return normaliseTestId(value, field);
}
