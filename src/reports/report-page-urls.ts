import { InvalidInput } from '../common/domain.errors';
import type { FrontendConfig, ReportPathTemplates } from '../config';
import type { Report } from '../report';

/**
 * A frontend page that renders a report: each kind's own page (named as the kind: a stored report is
 * always rendered from it), or the student's view of their own.
 */
export type ReportPage = keyof ReportPathTemplates;

/**
 * Builds the frontend URL a render opens: the requested origin when it is allowed, else the default
 * frontend, plus the page's path template with its placeholders filled URI-encoded. The page gets the
 * normalised testId (`Test_5`, `overall`), so one report is always one URL, however the caller spelled it.
 */
export class ReportPageUrls {
  private readonly allowed: ReadonlySet<string>;

  constructor(private readonly frontend: FrontendConfig) {
    this.allowed = new Set(frontend.allowedOrigins);
  }

  /** The one check of an origin a caller names (trigger, batch): 400 naming `origin` unless allowed. */
  assertAllowed(origin: string | undefined): void {
    if (origin !== undefined && !this.allowed.has(origin)) {
      throw new InvalidInput('origin', 'is not an allowed frontend origin');
    }
  }

  /** The allowed origin a request names, or the default frontend. */
  originFor(requested: string | undefined): string {
    return requested !== undefined && this.allowed.has(requested) ? requested : this.frontend.defaultOrigin;
  }

  url(page: ReportPage, report: Report, requestedOrigin?: string): string {
    const params: Record<string, string | undefined> = {
      classId: report.classId,
      testId: report.testId,
      studentId: report.kind === 'student' ? report.studentId : undefined,
      teacherId: report.kind === 'teacher' ? report.teacherId : undefined,
    };
    const path = this.frontend.reportPaths[page].replace(
      /\{(studentId|teacherId|testId|classId)\}/g,
      (_, name: string) => encodeURIComponent(params[name] ?? ''),
    );
    return this.originFor(requestedOrigin) + path;
  }
}
