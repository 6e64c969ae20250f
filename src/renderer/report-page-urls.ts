import type { FrontendConfig, ReportPathTemplates } from '../config';

export type ReportPage = keyof ReportPathTemplates;

export interface ReportPageParams {
  studentId?: string;
  teacherId?: string;
  testId?: string;
  classId?: string;
}

/**
 * Builds the frontend URL a render opens: the requested origin when it is allowed, else the default
 * frontend, plus the page's path template with its placeholders filled URI-encoded.
 */
export class ReportPageUrls {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly frontend: FrontendConfig,
    private readonly templates: ReportPathTemplates,
  ) {
    this.allowed = new Set(frontend.allowedOrigins);
  }

  isAllowed(origin: string): boolean {
    return this.allowed.has(origin);
  }

  /** The allowed origin a request names, or the default frontend. */
  originFor(requested: string | undefined): string {
    return requested !== undefined && this.allowed.has(requested) ? requested : this.frontend.defaultOrigin;
  }

  url(page: ReportPage, params: ReportPageParams, requestedOrigin?: string): string {
    const path = this.templates[page].replace(
      /\{(studentId|teacherId|testId|classId)\}/g,
      (_, name: string) => encodeURIComponent(params[name as keyof ReportPageParams] ?? ''),
    );
    return this.originFor(requestedOrigin) + path;
  }
}
