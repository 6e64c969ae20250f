import { assertJsonDepth, JsonTooDeep, MAX_JSON_DEPTH } from './json-depth';

const nested = (levels: number) => Buffer.from('['.repeat(levels) + ']'.repeat(levels));

describe('assertJsonDepth', () => {
  it('should accept bodies up to the limit', () => {
    expect(() => assertJsonDepth(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => assertJsonDepth(Buffer.from('{"a":{"b":[1,2,{"c":"x"}]}}'))).not.toThrow();
  });

  it('should refuse one level more', () => {
    expect(() => assertJsonDepth(nested(MAX_JSON_DEPTH + 1))).toThrow(JsonTooDeep);
    expect(() => assertJsonDepth(nested(49000))).toThrow('request body nests deeper than 32 levels');
  });

  it('should not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: '['.repeat(100) + '\\"[[[' });
    expect(() => assertJsonDepth(Buffer.from(text))).not.toThrow();
  });
});
