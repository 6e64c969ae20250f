import { ReportPageUrls } from './report-page-urls';

const templates = {
  student: '/report?studentId={studentId}&testId={testId}',
  studentSelf: '/student-report?testId={testId}',
  teacher: '/teacher-report?testId={testId}&classId={classId}',
  overall: '/report?studentId=overall&testId={testId}',
};
const frontend = {
  defaultOrigin: 'https://main.example.com',
  allowedOrigins: ['https://main.example.com', 'http://b.test:3000'],
};

describe(ReportPageUrls.name, () => {
  const sut = new ReportPageUrls(frontend, templates);

  describe('url', () => {
    it('should fill placeholders URI-encoded on the requested allowed origin', () => {
      expect(sut.url('student', { studentId: 'a&b=c', testId: 'Test 5' }, 'http://b.test:3000')).toBe(
        'http://b.test:3000/report?studentId=a%26b%3Dc&testId=Test%205',
      );
    });

    it.each([undefined, 'https://evil.example.com', 'http://b.test:3001'])(
      'should fall back to the default frontend for origin %j',
      (origin) => {
        expect(sut.url('overall', { testId: 'Test_5' }, origin)).toBe(
          'https://main.example.com/report?studentId=overall&testId=Test_5',
        );
      },
    );

    it('should fill every placeholder a template names', () => {
      expect(sut.url('teacher', { testId: 'Test_1', classId: 'C1' })).toBe(
        'https://main.example.com/teacher-report?testId=Test_1&classId=C1',
      );
    });
  });
});
