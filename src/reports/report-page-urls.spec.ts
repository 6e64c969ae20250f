import { ReportPageUrls } from './report-page-urls';

const frontend = {
  defaultOrigin: 'https://main.example.com',
  allowedOrigins: ['https://main.example.com', 'http://b.test:3000'],
  reportPaths: {
    student: '/report?studentId={studentId}&testId={testId}',
    studentSelf: '/student-report?testId={testId}',
    teacher: '/teacher-report?testId={testId}&classId={classId}',
    overall: '/report?studentId=overall&testId={testId}',
  },
};

describe(ReportPageUrls.name, () => {
  const sut = new ReportPageUrls(frontend);

  describe('url', () => {
    it('should fill placeholders URI-encoded on the requested allowed origin', () => {
      expect(
        sut.url(
          'student',
          { kind: 'student', classId: undefined, studentId: 'a@b.c', testId: 'Test 5' },
          'http://b.test:3000',
        ),
      ).toBe('http://b.test:3000/report?studentId=a%40b.c&testId=Test%205');
    });

    it.each([undefined, 'https://evil.example.com', 'http://b.test:3001'])(
      'should fall back to the default frontend for origin %j',
      (origin) => {
        expect(sut.url('overall', { kind: 'overall', classId: 'C1', testId: 'Test_5' }, origin)).toBe(
          'https://main.example.com/report?studentId=overall&testId=Test_5',
        );
      },
    );

    it('should fill every placeholder a template names', () => {
      expect(sut.url('teacher', { kind: 'teacher', classId: 'C1', testId: 'Test_1', teacherId: 'T1' })).toBe(
        'https://main.example.com/teacher-report?testId=Test_1&classId=C1',
      );
    });
  });
});
