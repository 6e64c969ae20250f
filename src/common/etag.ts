import { createHash } from 'node:crypto';

/** A strong entity tag from the bytes themselves, for renders that were not (or could not be) stored. */
export function contentEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 If-None-Match: a list of (possibly weak) tags, or "*". */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}
