import { Forbidden } from '../common/domain.errors';
import type { Report } from '../report';
import type { Viewer } from './viewer';

/**
 * May this viewer get this report? Pure, checked before storage is touched, so the answer never depends
 * on whether the PDF is stored. testIds are compared normalised.
 * - a `report:read` token (any role, admin included): only its class and test, and its report kind when
 *   it names one; then the role rules below.
 * - a class scope (class_id / class_ids claims): only those classes, and a classId must be named (no
 *   class-less render around the scope).
 * - admin: anything else.
 * - student: only their own student report.
 * - teacher / educator: student and overall reports; a teacher report only when it is their own.
 */
export function mayView(viewer: Viewer, report: Report): boolean {
  if (!withinReportScope(viewer, report) || !withinClassScope(viewer, report.classId)) return false;
  if (viewer.role === 'admin') return true;
  switch (report.kind) {
    case 'student':
      return viewer.role === 'student' ? viewer.studentId === report.studentId : true;
    case 'teacher':
      return viewer.role !== 'student' && viewer.teacherId === report.teacherId;
    case 'overall':
      return viewer.role !== 'student';
  }
}

/**
 * May this viewer list or bundle reports (the class status, bulk zips)? Never with a `report:read` token:
 * it was minted for rendering one report and opens nothing more.
 */
export function mayList(viewer: Viewer): boolean {
  return viewer.reportScope === undefined;
}

/** 403 unless `mayList`. */
export function assertMayList(viewer: Viewer): void {
  if (!mayList(viewer)) throw new Forbidden('a report token opens one report; it lists none');
}

/** The one refusal of every route: 403 unless `mayView`. */
export function assertMayView(viewer: Viewer, report: Report): void {
  if (!mayView(viewer, report)) throw new Forbidden('this token does not cover that report');
}

/**
 * May a render this viewer caused be stored under the report's key? Only when the token itself names
 * that class (or the viewer is an unscoped admin): otherwise anyone could fill other classes' prefixes.
 */
export function mayStore(viewer: Viewer, report: Report): boolean {
  if (report.classId === undefined) return false;
  if (viewer.classScope === 'any') return viewer.role === 'admin' && viewer.reportScope === undefined;
  return viewer.classScope.includes(report.classId);
}

function withinClassScope(viewer: Viewer, classId: string | undefined): boolean {
  if (viewer.classScope === 'any') return true;
  return classId !== undefined && viewer.classScope.includes(classId);
}

function withinReportScope(viewer: Viewer, report: Report): boolean {
  const scope = viewer.reportScope;
  if (scope === undefined) return true;
  if (scope === null) return false;
  if (scope.kind !== undefined && scope.kind !== report.kind) return false;
  if (scope.classId !== report.classId || scope.testId !== report.testId) return false;
  // A token minted for one report opens that report only: its student's, or its teacher's.
  if (scope.kind === 'student') return report.kind === 'student' && report.studentId === viewer.studentId;
  if (scope.kind === 'teacher') return report.kind === 'teacher' && report.teacherId === viewer.teacherId;
  return true;
}
