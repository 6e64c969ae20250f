import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InvalidInput } from '../common/domain.errors';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import type { ClassReport } from '../report';

const REPORT_TOKEN_TTL_SECONDS = 10 * 60;
/** The `user_id` of the token that reads a class overall report, which belongs to no single user. */
export const OVERALL_READER_ID = 'pdf-service';

/**
 * Short-lived report tokens for canonical renders: checks the one the backend sent, or mints one with the
 * least privilege the page needs for that one report: `scope: "report:read"`, its class, test and
 * `report_type`, and the subject's own identity (student reports: the student; teacher reports: the
 * teacher; overall: a teacher-role reader that is nobody). Through this service such a token opens only
 * that report (see `mayView`). Signed with JWT_SECRET, valid for 10 minutes.
 */
@Injectable()
export class ReportTokens {
  constructor(
    private readonly jwt: JwtService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * The backend's token must verify with JWT_SECRET (the page's API would refuse it after a whole page load
   * otherwise) and must not have expired.
   */
  assertUsable(token: string): void {
    const claims: unknown = this.jwt.decode(token);
    if (typeof claims !== 'object' || claims === null) throw new InvalidInput('reportToken', 'is not a JWT');
    const { exp } = claims as { exp?: unknown };
    if (typeof exp === 'number' && exp * 1000 <= Date.now())
      throw new InvalidInput('reportToken', 'has expired');
    try {
      this.jwt.verify(token, { algorithms: ['HS256'] });
    } catch {
      throw new InvalidInput('reportToken', 'is not signed with the key the service verifies tokens with');
    }
  }

  mint(report: ClassReport): string {
    const subject =
      report.kind === 'student'
        ? { user_id: report.studentId, user_type: 'student', student_id: report.studentId }
        : report.kind === 'teacher'
          ? { user_id: report.teacherId, user_type: 'teacher', teacher_id: report.teacherId }
          : { user_id: OVERALL_READER_ID, user_type: 'teacher' };
    return this.jwt.sign(
      {
        ...subject,
        class_id: report.classId,
        test_id: report.testId,
        report_type: report.kind,
        scope: 'report:read',
      },
      {
        algorithm: 'HS256',
        expiresIn: REPORT_TOKEN_TTL_SECONDS,
        issuer: this.config.reportTokenIssuer,
      },
    );
  }
}
