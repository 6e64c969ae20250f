/** JSON bodies nest at most this deep; ours need three levels. */
export const MAX_JSON_DEPTH = 32;

/** A body the parser must refuse before parsing: an http-errors-shaped 400 the exception filter shows. */
export class JsonTooDeep extends Error {
  readonly status = 400;
  readonly expose = true;
  constructor() {
    super(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * Throws `JsonTooDeep` when raw JSON nests deeper than `MAX_JSON_DEPTH` (brackets inside strings do not
 * count). One linear scan before `JSON.parse`: tens of thousands of levels would otherwise overflow the
 * stack of whatever walks the parsed value.
 */
export function assertJsonDepth(raw: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < raw.length; index += 1) {
    const byte = raw[index];
    if (inString) {
      if (byte === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) throw new JsonTooDeep();
    } else if (byte === 0x5d || byte === 0x7d) depth -= 1;
  }
}
