import type { FrontendConfig, ReportPathTemplates } from '../config';
import type { Report } from '../report';

/** A frontend page that renders a report: each kind's own page, or the student's view of their own. */
export type ReportPage = keyof ReportPathTemplates;

/** The page a stored (canonical) report is rendered from: the report's own page for its kind. */
export const CANONICAL_PAGE: Record<Report['kind'], ReportPage> = {
  student: 'student',
  teacher: 'teacher',
  overall: 'overall',
};

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

  isAllowed(origin: string): boolean {
    return this.allowed.has(origin);
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
