import { Unauthenticated } from '../common/domain.errors';
import { normaliseTestId } from '../reports/report-key';

export type ViewerRole = 'student' | 'teacher' | 'educator' | 'admin';

/** Who is asking, read from a verified user JWT. */
export interface Viewer {
  role: ViewerRole;
  studentId: string | undefined;
  teacherId: string | undefined;
  /** Classes the viewer may see; 'any' when the token names none. */
  classScope: readonly string[] | 'any';
  /** Set for `scope: "report:read"` tokens: they cover only this class and test. */
  reportScope: { classId: string | undefined; testId: string | undefined } | undefined;
}

const ROLES: readonly string[] = ['student', 'teacher', 'educator', 'admin'];

/**
 * Maps the claims the Django backend issues to a `Viewer`:
 * role = role ?? user_type; student id = student_id ?? user_id ?? sub;
 * teacher id = teacher_id ?? educator_id ?? user_id ?? sub; class scope = class_id or class_ids.
 */
export function viewerFromClaims(claims: Record<string, unknown>): Viewer {
  const role = text(claims.role) ?? text(claims.user_type);
  if (role === undefined || !ROLES.includes(role)) throw new Unauthenticated('token names no known role');
  const classIds = Array.isArray(claims.class_ids) ? claims.class_ids.map(text).filter(isDefined) : [];
  const classId = text(claims.class_id);
  if (classId !== undefined) classIds.push(classId);
  const testId = text(claims.test_id);
  return {
    role: role as ViewerRole,
    studentId: text(claims.student_id) ?? text(claims.user_id) ?? text(claims.sub),
    teacherId:
      text(claims.teacher_id) ?? text(claims.educator_id) ?? text(claims.user_id) ?? text(claims.sub),
    classScope: classIds.length > 0 ? classIds : 'any',
    reportScope:
      claims.scope === 'report:read'
        ? { classId, testId: testId === undefined ? undefined : safeTestId(testId) }
        : undefined,
  };
}

/** Django ids are often numbers; both forms name the same subject. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** A scoped token whose test id cannot be a key covers nothing rather than failing later. */
function safeTestId(testId: string): string {
  try {
    return normaliseTestId(testId);
  } catch {
    return `invalid:${testId}`;
  }
}
