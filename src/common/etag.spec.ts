import { contentEtag, etagMatches } from './etag';

describe('etag', () => {
  describe(contentEtag.name, () => {
    it('should be a quoted tag that changes with the bytes', () => {
      const one = contentEtag(Buffer.from('%PDF-1'));
      expect(one).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
      expect(contentEtag(Buffer.from('%PDF-1'))).toBe(one);
      expect(contentEtag(Buffer.from('%PDF-2'))).not.toBe(one);
    });
  });

  describe(etagMatches.name, () => {
    it.each([
      ['"a"', true],
      ['W/"a"', true],
      ['"b", "a"', true],
      ['*', true],
      [' * ', true],
      ['"b"', false],
      ['a', false],
      [undefined, false],
    ])('should read If-None-Match %j as %s for "a"', (header, matches) => {
      expect(etagMatches(header, '"a"')).toBe(matches);
    });
  });
});
