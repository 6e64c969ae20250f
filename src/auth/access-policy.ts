import type { Viewer } from './viewer';

/** The report asked for; `classId` is absent on the render-only (BYPASS) path. */
export type ReportRequest =
  | { kind: 'student'; studentId: string; testId: string; classId: string | undefined }
  | { kind: 'teacher'; teacherId: string; testId: string; classId: string | undefined }
  | { kind: 'overall'; testId: string; classId: string | undefined };

/**
 * May this viewer get this report? Pure, checked before storage is touched, so the answer never depends
 * on whether the PDF is cached. testIds are compared normalised.
 * - admin: anything.
 * - a `report:read` token: only its class and test, then the role rules below.
 * - student: only their own student report, within their class scope.
 * - teacher / educator: student and overall reports of classes in scope (any class without a scope);
 *   a teacher report only when it is their own.
 */
export function mayView(viewer: Viewer, request: ReportRequest): boolean {
  if (viewer.role === 'admin') return true;
  if (!withinReportScope(viewer, request) || !withinClassScope(viewer, request.classId)) return false;
  switch (request.kind) {
    case 'student':
      return viewer.role === 'student' ? viewer.studentId === request.studentId : true;
    case 'teacher':
      return viewer.role !== 'student' && viewer.teacherId === request.teacherId;
    case 'overall':
      return viewer.role !== 'student';
  }
}

function withinClassScope(viewer: Viewer, classId: string | undefined): boolean {
  if (viewer.classScope === 'any' || classId === undefined) return true;
  return viewer.classScope.includes(classId);
}

function withinReportScope(viewer: Viewer, request: ReportRequest): boolean {
  const scope = viewer.reportScope;
  if (!scope) return true;
  if (scope.classId !== undefined && scope.classId !== request.classId) return false;
  return scope.testId === undefined || scope.testId === request.testId;
}
