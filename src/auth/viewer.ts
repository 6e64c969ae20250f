import { InvalidInput, Unauthenticated } from '../common/domain.errors';
import { normaliseTestId, REPORT_KINDS, teacherTestId, type ReportKind } from '../report';

export type ViewerRole = 'student' | 'teacher' | 'educator' | 'admin';

/**
 * What a `scope: "report:read"` token covers: one class and test, and (when the token names a
 * `report_type`) only that kind of report. Tokens the service and the Django package mint name all three.
 */
export interface ReportScope {
  classId: string;
  testId: string;
  kind: ReportKind | undefined;
}

/** Who is asking, read from a verified user JWT. */
export interface Viewer {
  role: ViewerRole;
  studentId: string | undefined;
  teacherId: string | undefined;
  /** Classes the viewer may see; 'any' only when the token names no class claim at all. */
  classScope: readonly string[] | 'any';
  /** Set for `scope: "report:read"` tokens; `null` when such a token names no usable class or test (covers nothing). */
  reportScope: ReportScope | null | undefined;
}

const ROLES: readonly string[] = ['student', 'teacher', 'educator', 'admin'];
const INVALID = 'invalid or expired token';

/**
 * Maps the claims the Django backend issues to a `Viewer`:
 * role = role ?? user_type; student id = student_id ?? user_id ?? sub;
 * teacher id = teacher_id ?? educator_id ?? user_id ?? sub; class scope = class_id and class_ids.
 * Class claims fail closed: `class_ids` that is not an array of ids is refused (401), `[]` covers no class.
 */
export function viewerFromClaims(claims: Record<string, unknown>): Viewer {
  const role = text(claims.role) ?? text(claims.user_type);
  if (role === undefined || !ROLES.includes(role))
    throw new Unauthenticated(INVALID, 'token names no known role');
  return {
    role: role as ViewerRole,
    studentId: text(claims.student_id) ?? text(claims.user_id) ?? text(claims.sub),
    teacherId:
      text(claims.teacher_id) ?? text(claims.educator_id) ?? text(claims.user_id) ?? text(claims.sub),
    classScope: classScopeOf(claims),
    reportScope: claims.scope === 'report:read' ? reportScopeOf(claims) : undefined,
  };
}

/** `role:id`, the identity per-viewer limits count by. */
export function viewerIdentity(viewer: Viewer): string {
  const id = viewer.role === 'student' ? viewer.studentId : viewer.teacherId;
  return `${viewer.role}:${id ?? ''}`;
}

function classScopeOf(claims: Record<string, unknown>): readonly string[] | 'any' {
  if (claims.class_ids === undefined && claims.class_id === undefined) return 'any';
  const scope: string[] = [];
  if (claims.class_ids !== undefined) {
    if (!Array.isArray(claims.class_ids)) throw new Unauthenticated(INVALID, 'class_ids is not an array');
    for (const entry of claims.class_ids) scope.push(classClaim(entry, 'class_ids'));
  }
  if (claims.class_id !== undefined) scope.push(classClaim(claims.class_id, 'class_id'));
  return scope;
}

/** A class id claim: a non-empty string, or an integer (Django primary keys), nothing else. */
function classClaim(value: unknown, claim: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new Unauthenticated(INVALID, `${claim} holds something that is not a class id`);
}

function reportScopeOf(claims: Record<string, unknown>): ReportScope | null {
  const classId = text(claims.class_id);
  const testId = text(claims.test_id);
  const kind = text(claims.report_type);
  if (classId === undefined || testId === undefined) return null;
  if (kind !== undefined && !(REPORT_KINDS as readonly string[]).includes(kind)) return null;
  try {
    // A teacher's overall report has test id "overall"; every other report a normalised test.
    const normalised = kind === 'teacher' ? teacherTestId(testId) : normaliseTestId(testId);
    return { classId, testId: normalised, kind: kind as ReportKind | undefined };
  } catch (error) {
    if (error instanceof InvalidInput) return null;
    throw error;
  }
}

/** Django ids are often numbers; both forms name the same subject. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
