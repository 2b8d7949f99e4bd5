/**
 * How deeply a JSON document may nest objects and arrays before a service refuses it.
 * AWS documents no depth for event details, patterns or execution input, but its JSON
 * parsers stop somewhere; 1,000 is the default of Jackson (StreamReadConstraints,
 * `maxNestingDepth`), the parser of the Java services. The local runtime needs a bound
 * of its own: matching, JSONPath and JSON.stringify are recursive, and a document nested
 * 5,000 deep overflows the stack.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * The deepest nesting of objects and arrays in a JSON text (`{}` is 1, `[[1]]` is 2), counted
 * by scanning the text, without recursion, so that any input can be measured. Brackets
 * inside strings do not count; the text need not be valid JSON (parse it for that).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return deepest;
}

/** The same depth for a value already parsed (a template's pattern), walked with a stack of its own; stops counting past `limit`. */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** Whether a JSON text nests deeper than MAX_JSON_DEPTH. */
export const tooDeep = (text: string): boolean => jsonDepth(text) > MAX_JSON_DEPTH;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body's text. Bytes that are not UTF-8 fail, as they fail AWS's parsers ("Invalid
 * UTF-8 start byte"); Buffer#toString would put U+FFFD in their place and the request would
 * go on, storing text its client never sent.
 */
export function utf8Text(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new SyntaxError('Invalid UTF-8 in the request body');
  }
}

/**
 * JSON.parse for a request body a service walks afterwards: bytes that are not UTF-8, or a
 * document nested deeper than MAX_JSON_DEPTH, fail as a syntax error (the latter with the
 * words of Jackson, the parser of AWS's Java services, which stops there), so each caller
 * answers it as it answers any JSON it cannot parse, in its service's shape, instead of
 * overflowing the stack later (a 500).
 */
export function parseBoundedJson(body: Uint8Array | string): unknown {
  const text = typeof body === 'string' ? body : utf8Text(body);
  if (tooDeep(text)) {
    throw new SyntaxError(
      `Document nesting depth (${MAX_JSON_DEPTH + 1}) exceeds the maximum allowed (${MAX_JSON_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`,
    );
  }
  return JSON.parse(text);
}

/** A payload as its receiver gets it: its JSON value, or the text itself when it is not JSON (a Lambda payload, a response body). */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
