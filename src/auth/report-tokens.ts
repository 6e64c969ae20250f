import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InvalidInput } from '../common/domain.errors';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import type { ReportRef } from '../reports/report-key';

const REPORT_TOKEN_TTL_SECONDS = 10 * 60;

/**
 * Short-lived report tokens for backend-triggered renders: checks the one the backend sent, or mints one
 * with the seed's payload (`scope: "report:read"`, 10 minutes) signed with JWT_SECRET.
 */
@Injectable()
export class ReportTokens {
  constructor(
    private readonly jwt: JwtService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** The backend's token must at least be a JWT that has not expired; the page's API verifies the rest. */
  assertUsable(token: string): void {
    const claims: unknown = this.jwt.decode(token);
    if (typeof claims !== 'object' || claims === null) throw new InvalidInput('reportToken', 'is not a JWT');
    const { exp } = claims as { exp?: unknown };
    if (typeof exp === 'number' && exp * 1000 <= Date.now())
      throw new InvalidInput('reportToken', 'has expired');
  }

  mint(ref: ReportRef): string {
    const subject =
      ref.kind === 'student'
        ? { user_id: ref.studentId, user_type: 'student', student_id: ref.studentId }
        : ref.kind === 'teacher'
          ? { user_id: ref.teacherId, user_type: 'teacher', teacher_id: ref.teacherId }
          : // A class overall report belongs to no one user; the service itself reads it.
            { user_id: 'pdf-service', user_type: 'admin' };
    return this.jwt.sign(
      { ...subject, class_id: ref.classId, test_id: ref.testId, scope: 'report:read' },
      {
        algorithm: 'HS256',
        expiresIn: REPORT_TOKEN_TTL_SECONDS,
        issuer: this.config.reportTokenIssuer,
      },
    );
  }
}
