import { Unauthenticated } from '../common/domain.errors';
import type { Report } from '../report';
import { mayList, mayStore, mayView } from './access-policy';
import { viewerFromClaims } from './viewer';

const studentReport = (studentId: string, classId?: string, testId = 'Test_5'): Report => ({
  kind: 'student',
  studentId,
  classId,
  testId,
});
const teacherReport = (teacherId: string, classId?: string, testId = 'Test_5'): Report => ({
  kind: 'teacher',
  teacherId,
  classId,
  testId,
});
const overallReport = (classId?: string, testId = 'Test_5'): Report => ({ kind: 'overall', classId, testId });

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

    it('should read the class scope from class_id and class_ids, any only without either', () => {
      expect(viewerFromClaims({ role: 'teacher', sub: 'T', class_id: 'C1' }).classScope).toEqual(['C1']);
      expect(viewerFromClaims({ role: 'teacher', sub: 'T', class_ids: ['C1', 2] }).classScope).toEqual([
        'C1',
        '2',
      ]);
      expect(viewerFromClaims({ role: 'teacher', sub: 'T', class_ids: [] }).classScope).toEqual([]);
      expect(viewerFromClaims({ role: 'teacher', sub: 'T' }).classScope).toBe('any');
    });

    it.each([
      ['a string', { class_ids: 'C1' }],
      ['objects', { class_ids: [{ id: 'C1' }] }],
      ['an empty id', { class_ids: [''] }],
      ['null', { class_ids: null }],
      ['a fraction', { class_ids: [1.5] }],
      ['an object class_id', { class_id: { id: 'C1' } }],
    ])('should refuse class claims holding %s', (_, claims) => {
      expect(() => viewerFromClaims({ role: 'teacher', sub: 'T', ...claims })).toThrow(
        new Unauthenticated('invalid or expired token'),
      );
    });

    it('should scope report:read tokens to their class, normalised test and kind', () => {
      expect(
        viewerFromClaims({
          role: 'student',
          sub: 'S',
          scope: 'report:read',
          class_id: 'C1',
          test_id: '5',
          report_type: 'student',
        }).reportScope,
      ).toEqual({ classId: 'C1', testId: 'Test_5', kind: 'student' });
    });

    it.each([{ test_id: '5' }, { class_id: 'C1' }, { class_id: 'C1', test_id: 'a/b' }])(
      'should make a report:read token without a usable class and test cover nothing: %j',
      (claims) => {
        expect(
          viewerFromClaims({ role: 'admin', sub: 'A', scope: 'report:read', ...claims }).reportScope,
        ).toBeNull();
      },
    );

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
    const scopedStudent = viewerFromClaims({ role: 'student', student_id: 'S1', class_ids: ['C1'] });
    const classless = viewerFromClaims({ role: 'teacher', teacher_id: 'T1', class_ids: [] });
    const educator = viewerFromClaims({ role: 'educator', educator_id: 'E1', class_ids: ['C1', 'C2'] });
    const admin = viewerFromClaims({ role: 'admin', sub: 'A' });

    it.each([
      ['student, own report', student, studentReport('S1', 'C1'), true],
      ['student, own report without class (bypass)', student, studentReport('S1'), true],
      ['student, another student', student, studentReport('S2', 'C1'), false],
      ['student, teacher report', student, teacherReport('S1', 'C1'), false],
      ['student, class overall', student, overallReport('C1'), false],
      ['scoped student, own report in class', scopedStudent, studentReport('S1', 'C1'), true],
      ['scoped student, own report without class', scopedStudent, studentReport('S1'), false],
      ['scoped student, own report in another class', scopedStudent, studentReport('S1', 'C2'), false],
      ['teacher, any student without scope', teacher, studentReport('S9', 'C7'), true],
      ['teacher, overall without scope', teacher, overallReport('C7'), true],
      ['teacher, own teacher report', teacher, teacherReport('T1', 'C1'), true],
      ['teacher, another teacher report', teacher, teacherReport('T2', 'C1'), false],
      ['scoped teacher, student in class', scopedTeacher, studentReport('S9', 'C1'), true],
      ['scoped teacher, student in another class', scopedTeacher, studentReport('S9', 'C2'), false],
      ['scoped teacher, student without class', scopedTeacher, studentReport('S9'), false],
      ['scoped teacher, overall of another class', scopedTeacher, overallReport('C2'), false],
      ['scoped teacher, own report in another class', scopedTeacher, teacherReport('T1', 'C2'), false],
      ['teacher with class_ids [], any class', classless, studentReport('S9', 'C1'), false],
      ['teacher with class_ids [], no class', classless, studentReport('S9'), false],
      ['educator, second class in scope', educator, overallReport('C2'), true],
      ['educator, class out of scope', educator, studentReport('S1', 'C3'), false],
      ['educator, own teacher report', educator, teacherReport('E1', 'C1'), true],
      ['admin, anything', admin, teacherReport('T2', 'C9'), true],
      ['admin, any student', admin, studentReport('S5', 'C9'), true],
    ])('%s → %s', (_, viewer, report, allowed) => {
      expect(mayView(viewer, report)).toBe(allowed);
    });

    describe('report:read tokens', () => {
      const scoped = viewerFromClaims({
        role: 'student',
        student_id: 'S1',
        scope: 'report:read',
        class_id: 'C1',
        test_id: 'Test_5',
      });
      const mintedOverall = viewerFromClaims({
        user_type: 'teacher',
        user_id: 'pdf-service',
        scope: 'report:read',
        class_id: 'C1',
        test_id: 'Test_5',
        report_type: 'overall',
      });
      const scopedAdmin = viewerFromClaims({
        user_type: 'admin',
        user_id: 'pdf-service',
        scope: 'report:read',
        class_id: 'C1',
        test_id: 'Test_5',
      });

      it('should cover its own class and test', () => {
        expect(mayView(scoped, studentReport('S1', 'C1', 'Test_5'))).toBe(true);
        expect(mayView(mintedOverall, overallReport('C1', 'Test_5'))).toBe(true);
        expect(mayView(scopedAdmin, studentReport('S77', 'C1', 'Test_5'))).toBe(true);
      });

      it.each([
        ['another test', scoped, studentReport('S1', 'C1', 'Test_6')],
        ['another class', scoped, studentReport('S1', 'C2', 'Test_5')],
        ['no class', scoped, studentReport('S1', undefined, 'Test_5')],
        ['another student', scoped, studentReport('S2', 'C1', 'Test_5')],
        ['a student of its class (overall token)', mintedOverall, studentReport('S1', 'C1', 'Test_5')],
        [
          'a teacher of its class (overall token)',
          mintedOverall,
          teacherReport('pdf-service', 'C1', 'Test_5'),
        ],
        ['another class (overall token)', mintedOverall, overallReport('C7', 'Test_5')],
        ['another class (admin token)', scopedAdmin, studentReport('S77', 'C7', 'Test_5')],
        ['another test (admin token)', scopedAdmin, teacherReport('T1', 'C1', 'Test_6')],
        ['no class (admin token)', scopedAdmin, studentReport('S77', undefined, 'Test_5')],
      ])('should not cover %s', (_, viewer, report) => {
        expect(mayView(viewer, report)).toBe(false);
      });

      it('should open only the one report a minted student or teacher token names, whatever its role', () => {
        const studentToken = viewerFromClaims({
          user_type: 'teacher',
          student_id: 'S1',
          teacher_id: 'T9',
          scope: 'report:read',
          class_id: 'C1',
          test_id: 'Test_5',
          report_type: 'student',
        });
        expect(mayView(studentToken, studentReport('S1', 'C1', 'Test_5'))).toBe(true);
        expect(mayView(studentToken, studentReport('S2', 'C1', 'Test_5'))).toBe(false);
        const teacherToken = viewerFromClaims({
          user_type: 'admin',
          teacher_id: 'T1',
          scope: 'report:read',
          class_id: 'C1',
          test_id: 'Test_5',
          report_type: 'teacher',
        });
        expect(mayView(teacherToken, teacherReport('T1', 'C1', 'Test_5'))).toBe(true);
        expect(mayView(teacherToken, teacherReport('T2', 'C1', 'Test_5'))).toBe(false);
      });
    });
  });

  describe(mayList.name, () => {
    it('should let no report:read token list or bundle reports, and others as before', () => {
      const minted = { scope: 'report:read', class_id: 'C1', test_id: 'Test_5' };
      expect(
        mayList(
          viewerFromClaims({
            user_type: 'teacher',
            user_id: 'pdf-service',
            report_type: 'overall',
            ...minted,
          }),
        ),
      ).toBe(false);
      expect(
        mayList(
          viewerFromClaims({ user_type: 'student', student_id: 'S1', report_type: 'student', ...minted }),
        ),
      ).toBe(false);
      expect(mayList(viewerFromClaims({ user_type: 'admin', user_id: 'A', ...minted }))).toBe(false);
      expect(mayList(viewerFromClaims({ role: 'teacher', teacher_id: 'T1', class_ids: ['C1'] }))).toBe(true);
    });
  });

  describe(mayStore.name, () => {
    it.each([
      ['an unscoped admin', { role: 'admin', sub: 'A' }, true],
      ['a teacher naming the class', { role: 'teacher', sub: 'T', class_ids: ['C9', 'C1'] }, true],
      [
        'a report token of the class',
        { role: 'student', sub: 'S', scope: 'report:read', class_id: 'C1', test_id: '5' },
        true,
      ],
      ['a teacher without class claims', { role: 'teacher', sub: 'T' }, false],
      ['a student without class claims', { role: 'student', sub: 'S' }, false],
      ['a teacher of another class', { role: 'teacher', sub: 'T', class_id: 'C2' }, false],
    ])('should let %s store class C1: %s', (_, claims, allowed) => {
      expect(mayStore(viewerFromClaims(claims), studentReport('S', 'C1'))).toBe(allowed);
    });

    it('should never store a class-less report', () => {
      expect(mayStore(viewerFromClaims({ role: 'admin', sub: 'A' }), studentReport('S'))).toBe(false);
    });
  });
});
