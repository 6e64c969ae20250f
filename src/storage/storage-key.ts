import { InvalidInput } from '../common/domain.errors';

const SEGMENT = /^[A-Za-z0-9_.@ -]+$/;

/**
 * Drivers accept only relative keys of plain segments: no leading "/", no empty, "." or ".." segments,
 * nothing outside the report id alphabet. The report layer validates ids first; this is the last guard.
 */
export function assertStorageKey(key: string, { prefix = false } = {}): void {
  const segments = key.split('/');
  if (prefix && segments.at(-1) === '') segments.pop();
  const bad = segments.find((segment) => segment === '.' || segment === '..' || !SEGMENT.test(segment));
  if (key === '' || bad !== undefined) throw new InvalidInput('key', `is not a valid storage key: "${key}"`);
}
