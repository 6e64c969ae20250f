import { InvalidInput } from '../common/domain.errors';

/** Which report, of which class and test. Ids are validated and testId normalised by `reportRef`. */
export type ReportRef =
  | { kind: 'student'; classId: string; testId: string; studentId: string }
  | { kind: 'teacher'; classId: string; testId: string; teacherId: string }
  | { kind: 'overall'; classId: string; testId: string };

export type ReportKind = ReportRef['kind'];

/** A storage key in the layout shared with the Django backend. */
export type ReportKey = string & { readonly __reportKey: unique symbol };

const ID = /^[A-Za-z0-9_\-.@]{1,128}$/;
const TEST_ID = /^[A-Za-z0-9_\-.@ ]{1,128}$/;
const ID_RULE = 'must be 1-128 characters of letters, digits, _ - . @';

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

/** True for the test ids that mean "the teacher's overall report". */
export function isOverallTestId(testId: string): boolean {
  return /^(overall|0)$/i.test(testId);
}

interface ReportRefInput {
  kind: ReportKind;
  classId: unknown;
  testId: unknown;
  studentId?: unknown;
  teacherId?: unknown;
}

/** Builds a validated `ReportRef`; the first bad field throws `InvalidInput` naming it. */
export function reportRef(input: ReportRefInput): ReportRef {
  const classId = validId('classId', input.classId);
  switch (input.kind) {
    case 'student':
      return {
        kind: 'student',
        classId,
        testId: normaliseTestId(input.testId),
        studentId: validId('studentId', input.studentId),
      };
    case 'teacher': {
      const teacherId = validId('teacherId', input.teacherId);
      if (typeof input.testId === 'string' && isOverallTestId(input.testId)) {
        return { kind: 'teacher', classId, testId: 'overall', teacherId };
      }
      return { kind: 'teacher', classId, testId: normaliseTestId(input.testId), teacherId };
    }
    case 'overall':
      return { kind: 'overall', classId, testId: normaliseTestId(input.testId) };
  }
}

/** The deterministic storage key of a report. */
export function reportKey(ref: ReportRef): ReportKey {
  const base = `reports/${ref.classId}`;
  switch (ref.kind) {
    case 'student':
      return `${base}/${ref.testId}/students/${ref.studentId}.pdf` as ReportKey;
    case 'teacher':
      return (
        ref.testId === 'overall'
          ? `${base}/overall/teacher_${ref.teacherId}.pdf`
          : `${base}/${ref.testId}/teacher_${ref.teacherId}.pdf`
      ) as ReportKey;
    case 'overall':
      return `${base}/${ref.testId}/overall.pdf` as ReportKey;
  }
}
