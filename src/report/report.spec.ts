import { InvalidInput } from '../common/domain.errors';
import { normaliseTestId, parseClassReport, parseReport, validId, type ReportInput } from './report';
import { purgeScope, reportKey } from './report-key';

function keyOf(input: ReportInput): string {
  return reportKey(parseClassReport(input));
}

function fieldOfError(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInput) return error.field;
    throw error;
  }
  return undefined;
}

describe('report model', () => {
  describe('reportKey', () => {
    it('should build the student key', () => {
      expect(keyOf({ kind: 'student', classId: 'CLASS_123', testId: 'Test_5', studentId: 'STU001' })).toBe(
        'reports/CLASS_123/Test_5/students/STU001.pdf',
      );
    });

    it('should build the teacher test key', () => {
      expect(keyOf({ kind: 'teacher', classId: 'CLASS_123', testId: 'Test_5', teacherId: 'TCH001' })).toBe(
        'reports/CLASS_123/Test_5/teacher_TCH001.pdf',
      );
    });

    it.each(['overall', 'OVERALL', 'Overall', '0'])(
      'should build the teacher overall key for testId %j',
      (testId) => {
        expect(keyOf({ kind: 'teacher', classId: 'CLASS_123', testId, teacherId: 'TCH001' })).toBe(
          'reports/CLASS_123/overall/teacher_TCH001.pdf',
        );
      },
    );

    it('should build the class overall key', () => {
      expect(keyOf({ kind: 'overall', classId: 'CLASS_123', testId: '5' })).toBe(
        'reports/CLASS_123/Test_5/overall.pdf',
      );
    });

    it('should keep ids with every allowed character verbatim', () => {
      expect(keyOf({ kind: 'student', classId: 'a.b-c_d@e', testId: 'T-1.2@x', studentId: 'x@y.z' })).toBe(
        'reports/a.b-c_d@e/T-1.2@x/students/x@y.z.pdf',
      );
    });
  });

  describe('normaliseTestId', () => {
    it.each([
      ['5', 'Test_5'],
      ['0', 'Test_0'],
      ['123', 'Test_123'],
      ['Test 5', 'Test_5'],
      ['Test   5', 'Test_5'],
      ['Test_5', 'Test_5'],
      ['Mid term  2', 'Mid_term_2'],
      ['test5', 'test5'],
    ])('should turn %j into %j', (raw, normalised) => {
      expect(normaliseTestId(raw)).toBe(normalised);
    });

    it('should make 5, Test 5 and Test_5 one key', () => {
      const keys = ['5', 'Test 5', 'Test_5'].map((testId) =>
        keyOf({ kind: 'student', classId: 'C', testId, studentId: 'S' }),
      );
      expect(new Set(keys).size).toBe(1);
    });

    it.each([' 5', '5 ', 'Test/5', 'Test\t5', '.', '..', '', 'x'.repeat(129), 'Tést', 'a&b=c'])(
      'should refuse %j naming testId',
      (raw) => {
        expect(fieldOfError(() => normaliseTestId(raw))).toBe('testId');
      },
    );
  });

  describe('validId', () => {
    it.each(['S', 'STU001', 'a'.repeat(128), 'x.y', 'a-b_c@d', '...'])('should accept %j', (id) => {
      expect(validId('studentId', id)).toBe(id);
    });

    it.each([
      '',
      '.',
      '..',
      '/',
      'a/b',
      '../etc',
      '%2F',
      'a%2Fb',
      'a\0b',
      'a'.repeat(129),
      'ünï',
      'a&b',
      'a b',
      'a?b',
      'a\\b',
      'a\nb',
    ])('should refuse %j naming the field', (id) => {
      expect(fieldOfError(() => validId('studentId', id))).toBe('studentId');
    });

    it.each([undefined, null, 5, ['a'], { a: 1 }])('should refuse the non-string %j as required', (id) => {
      expect(() => validId('classId', id)).toThrow('classId is required');
    });
  });

  describe(parseClassReport.name, () => {
    it('should name the first bad field', () => {
      expect(
        fieldOfError(() =>
          parseClassReport({ kind: 'student', classId: 'C/1', testId: '5', studentId: 'S' }),
        ),
      ).toBe('classId');
      expect(
        fieldOfError(() => parseClassReport({ kind: 'student', classId: 'C', testId: '5', studentId: '..' })),
      ).toBe('studentId');
      expect(
        fieldOfError(() =>
          parseClassReport({ kind: 'teacher', classId: 'C', testId: '5', teacherId: 'T&x' }),
        ),
      ).toBe('teacherId');
      expect(fieldOfError(() => parseClassReport({ kind: 'overall', classId: 'C', testId: 'a/b' }))).toBe(
        'testId',
      );
    });

    it('should require the subject id of its kind', () => {
      expect(fieldOfError(() => parseClassReport({ kind: 'student', classId: 'C', testId: '5' }))).toBe(
        'studentId',
      );
      expect(fieldOfError(() => parseClassReport({ kind: 'teacher', classId: 'C', testId: '5' }))).toBe(
        'teacherId',
      );
    });

    it('should require the class', () => {
      expect(fieldOfError(() => parseClassReport({ kind: 'overall', testId: '5' }))).toBe('classId');
    });
  });

  describe(parseReport.name, () => {
    it('should leave classId out when none is given', () => {
      expect(parseReport({ kind: 'student', testId: '5', studentId: 'S' })).toEqual({
        kind: 'student',
        classId: undefined,
        testId: 'Test_5',
        studentId: 'S',
      });
    });

    it.each([undefined, 'C1'])(
      'should read teacher testId 0 as the overall report (classId %j)',
      (classId) => {
        expect(parseReport({ kind: 'teacher', classId, testId: '0', teacherId: 'T' }).testId).toBe('overall');
      },
    );

    it('should refuse a bad classId even though it is optional', () => {
      expect(fieldOfError(() => parseReport({ kind: 'overall', classId: 'a/b', testId: '5' }))).toBe(
        'classId',
      );
    });
  });

  describe(purgeScope.name, () => {
    it.each([
      [{ classId: 'C1' }, 'reports/C1/'],
      [{ classId: 'C1', testId: '5' }, 'reports/C1/Test_5/'],
      [{ classId: 'C1', testId: 'Test 5' }, 'reports/C1/Test_5/'],
      [{ classId: 'C1', testId: '0' }, 'reports/C1/overall/'],
      [{ classId: 'C1', testId: 'OVERALL' }, 'reports/C1/overall/'],
      [
        { classId: 'C1', testId: '5', reportType: 'student' as const, studentId: 'S1' },
        'reports/C1/Test_5/students/S1.pdf',
      ],
      [{ classId: 'C1', testId: '5', reportType: 'overall' as const }, 'reports/C1/Test_5/overall.pdf'],
    ])('should purge %j as %s', (input, scope) => {
      expect(purgeScope(input)).toBe(scope);
    });

    it.each([
      [{ classId: '../x' }, 'classId'],
      [{ classId: 'C1', testId: 'a/b' }, 'testId'],
      [{ classId: 'C1', testId: '5', reportType: 'student' as const }, 'studentId'],
    ])('should refuse %j naming %s', (input, field) => {
      expect(fieldOfError(() => purgeScope(input))).toBe(field);
    });
  });
});
