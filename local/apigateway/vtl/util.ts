/**
 * API Gateway's `$util` in mapping templates: the six functions its reference lists
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#util-template-reference).
 * API Gateway runs them in Java; each follows the Java function it is named after, so that
 * a template renders here as it does there.
 */
export interface VtlUtil {
  escapeJavaScript(value: unknown): string;
  parseJson(value: unknown): unknown;
  urlEncode(value: unknown): string;
  urlDecode(value: unknown): string;
  base64Encode(value: unknown): string;
  base64Decode(value: unknown): string;
}

/**
 * Apache Commons Lang's `StringEscapeUtils.escapeJavaScript`, which the reference describes
 * ("escapes the characters in a string using JavaScript string rules", turning `'` into
 * `\'`): quotes, backslash and `/` escaped, control characters as `\b \t \n \f \r` or
 * `\u00XX`, and everything past ASCII as `\uXXXX` (upper-case hex).
 */
export function escapeJavaScript(value: unknown): string {
  const text = stringOf(value);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i] as string;
    if (code > 0x7f) out += `\\u${hex4(code)}`;
    else if (code < 32) out += CONTROL_ESCAPES[code] ?? `\\u${hex4(code)}`;
    else if (char === '"' || char === "'" || char === '\\' || char === '/') out += `\\${char}`;
    else out += char;
  }
  return out;
}

const CONTROL_ESCAPES: Readonly<Record<number, string>> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

const hex4 = (code: number) => code.toString(16).toUpperCase().padStart(4, '0');

/**
 * Java's `URLEncoder.encode(s, "UTF-8")` (the `application/x-www-form-urlencoded` form the
 * reference names): letters, digits and `.-*_` stay, a space is `+`, every other byte `%XX`.
 */
export function urlEncode(value: unknown): string {
  return encodeURIComponent(stringOf(value))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Java's `URLDecoder.decode(s, "UTF-8")`: `+` is a space. */
export function urlDecode(value: unknown): string {
  return decodeURIComponent(stringOf(value).replace(/\+/g, ' '));
}

export function base64Encode(value: unknown): string {
  return Buffer.from(stringOf(value), 'utf8').toString('base64');
}

export function base64Decode(value: unknown): string {
  return Buffer.from(stringOf(value), 'base64').toString('utf8');
}

/** `parseJson` gives the template the value itself: maps and lists it can walk, as `$input.path` does. */
export function parseJson(value: unknown): unknown {
  return JSON.parse(stringOf(value));
}

export const vtlUtil: VtlUtil = { escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode };

/** What Java's `String.valueOf` would give a template value: a map or list as JSON, null as empty. */
export function stringOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
