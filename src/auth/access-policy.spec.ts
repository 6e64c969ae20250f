import { Unauthenticated } from '../common/domain.errors';
import { mayView, type ReportRequest } from './access-policy';
import { viewerFromClaims } from './viewer';

const studentReport = (
  studentId: string,
  classId: string | null = 'C1',
  testId = 'Test_5',
): ReportRequest => ({
  kind: 'student',
  studentId,
  classId: classId ?? undefined,
  testId,
});
const teacherReport = (
  teacherId: string,
  classId: string | null = 'C1',
  testId = 'Test_5',
): ReportRequest => ({
  kind: 'teacher',
  teacherId,
  classId: classId ?? undefined,
  testId,
});
const overallReport = (classId: string | null = 'C1', testId = 'Test_5'): ReportRequest => ({
  kind: 'overall',
  classId: classId ?? undefined,
  testId,
});

describe('access policy', () => {
  describe(viewerFromClaims.name, () => {
    it('should read role from role, then user_type', () => {
      expect(viewerFromClaims({ role: 'teacher', user_type: 'student', sub: 'x' }).role).toBe('teacher');
      expect(viewerFromClaims({ user_type: 'student', sub: 'x' }).role).toBe('student');
    });

    it('should read ids with their fallbacks, numbers as text', () => {
      expect(viewerFromClaims({ role: 'student', student_id: 'S1', user_id: 'U', sub: 'X' }).studentId).toBe(
        'S1',
      );
      expect(viewerFromClaims({ role: 'student', user_id: 42, sub: 'X' }).studentId).toBe('42');
      expect(viewerFromClaims({ role: 'student', sub: 'X' }).studentId).toBe('X');
      expect(viewerFromClaims({ role: 'teacher', teacher_id: 'T1', educator_id: 'E' }).teacherId).toBe('T1');
      expect(viewerFromClaims({ role: 'educator', educator_id: 'E1', user_id: 'U' }).teacherId).toBe('E1');
      expect(viewerFromClaims({ role: 'teacher', user_id: 'U1' }).teacherId).toBe('U1');
    });

    it('should read the class scope from class_id and class_ids, else any', () => {
      expect(viewerFromClaims({ role: 'teacher', sub: 'T', class_id: 'C1' }).classScope).toEqual(['C1']);
      expect(viewerFromClaims({ role: 'teacher', sub: 'T', class_ids: ['C1', 2] }).classScope).toEqual([
        'C1',
        '2',
      ]);
      expect(viewerFromClaims({ role: 'teacher', sub: 'T' }).classScope).toBe('any');
    });

    it('should scope report:read tokens to their class and normalised test', () => {
      expect(
        viewerFromClaims({ role: 'student', sub: 'S', scope: 'report:read', class_id: 'C1', test_id: '5' })
          .reportScope,
      ).toEqual({ classId: 'C1', testId: 'Test_5' });
    });

    it.each([{}, { role: 'parent', sub: 'x' }, { role: 5 }])(
      'should refuse a token without a known role: %j',
      (claims) => {
        expect(() => viewerFromClaims(claims)).toThrow(Unauthenticated);
      },
    );
  });

  describe(mayView.name, () => {
    const student = viewerFromClaims({ role: 'student', student_id: 'S1' });
    const teacher = viewerFromClaims({ role: 'teacher', teacher_id: 'T1' });
    const scopedTeacher = viewerFromClaims({ role: 'teacher', teacher_id: 'T1', class_id: 'C1' });
    const educator = viewerFromClaims({ role: 'educator', educator_id: 'E1', class_ids: ['C1', 'C2'] });
    const admin = viewerFromClaims({ role: 'admin', sub: 'A' });

    it.each([
      ['student, own report', student, studentReport('S1'), true],
      ['student, own report without class (bypass)', student, studentReport('S1', null), true],
      ['student, another student', student, studentReport('S2'), false],
      ['student, teacher report', student, teacherReport('S1'), false],
      ['student, class overall', student, overallReport(), false],
      ['teacher, any student without scope', teacher, studentReport('S9', 'C7'), true],
      ['teacher, overall without scope', teacher, overallReport('C7'), true],
      ['teacher, own teacher report', teacher, teacherReport('T1'), true],
      ['teacher, another teacher report', teacher, teacherReport('T2'), false],
      ['scoped teacher, student in class', scopedTeacher, studentReport('S9', 'C1'), true],
      ['scoped teacher, student in another class', scopedTeacher, studentReport('S9', 'C2'), false],
      ['scoped teacher, overall of another class', scopedTeacher, overallReport('C2'), false],
      ['scoped teacher, own report in another class', scopedTeacher, teacherReport('T1', 'C2'), false],
      ['educator, second class in scope', educator, overallReport('C2'), true],
      ['educator, class out of scope', educator, studentReport('S1', 'C3'), false],
      ['educator, own teacher report', educator, teacherReport('E1', 'C1'), true],
      ['admin, anything', admin, teacherReport('T2', 'C9'), true],
      ['admin, any student', admin, studentReport('S5', 'C9'), true],
    ])('%s → %s', (_, viewer, request, allowed) => {
      expect(mayView(viewer, request)).toBe(allowed);
    });

    describe('report:read tokens', () => {
      const scoped = viewerFromClaims({
        role: 'student',
        student_id: 'S1',
        scope: 'report:read',
        class_id: 'C1',
        test_id: 'Test_5',
      });

      it('should cover its own class and test', () => {
        expect(mayView(scoped, studentReport('S1', 'C1', 'Test_5'))).toBe(true);
      });

      it.each([
        ['another test', studentReport('S1', 'C1', 'Test_6')],
        ['another class', studentReport('S1', 'C2', 'Test_5')],
        ['no class', studentReport('S1', null, 'Test_5')],
        ['another student', studentReport('S2', 'C1', 'Test_5')],
      ])('should not cover %s', (_, request) => {
        expect(mayView(scoped, request)).toBe(false);
      });
    });
  });
});
