/** Value tests behind the pattern operators: numeric comparison, wildcards and CIDR ranges, as event-ruler evaluates them. */
import { fail, isObject, type ValueTest } from './pattern-types.js';

// --- numbers -----------------------------------------------------------------------------

const FIVE_BILLION = 5e9;

/** event-ruler's ComparableNumber: ±5e9 at 6 decimal places; other numbers are not comparable. */
export function toMicros(value: number): number | undefined {
  if (!(value >= -FIVE_BILLION && value <= FIVE_BILLION)) return undefined;
  return Math.round(value * 1e6);
}

export function comparableMicros(value: number): number {
  const micros = toMicros(value);
  if (micros === undefined) return fail('Value must be between -5.0E9 and 5.0E9, inclusive');
  return micros;
}

/** How Jackson prints the token a numeric expression did not expect. */
function tokenText(token: unknown): string {
  if (token === undefined) return ']';
  if (Array.isArray(token)) return '[';
  if (isObject(token)) return '{';
  return String(token);
}

export function numericExpression(terms: readonly unknown[]): ValueTest {
  const operator = terms[0];
  if (typeof operator !== 'string') return fail(`Invalid member in numeric match: ${tokenText(operator)}`);
  const operand = terms[1];
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  switch (operator) {
    case '=': {
      if (!isNumber(operand)) return fail('Value of equals must be numeric');
      if (terms.length > 2) fail('Too many elements in numeric expression');
      const micros = comparableMicros(operand);
      return (v) => typeof v === 'number' && toMicros(v) === micros;
    }
    case '>':
    case '>=': {
      if (!isNumber(operand)) return fail(`Value of ${operator} must be numeric`);
      const openBottom = operator === '>';
      if (terms.length === 2) return range(operand, openBottom, FIVE_BILLION, false);
      const upper = terms[2];
      if (typeof upper !== 'string') return fail(`Bad value in numeric range: ${tokenText(upper)}`);
      if (upper !== '<' && upper !== '<=') return fail(`Bad numeric range operator: ${upper}`);
      const top = terms[3];
      if (!isNumber(top)) return fail(`Value of ${upper} must be numeric`);
      if (terms.length > 4) fail('Too many terms in numeric range expression');
      return range(operand, openBottom, top, upper === '<');
    }
    case '<':
    case '<=': {
      if (!isNumber(operand)) return fail(`Value of ${operator} must be numeric`);
      if (terms.length > 2) fail('Too many elements in numeric expression');
      return range(-FIVE_BILLION, false, operand, operator === '<');
    }
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

function range(bottom: number, openBottom: boolean, top: number, openTop: boolean): ValueTest {
  if (bottom >= top) fail('Bottom must be less than top');
  const low = comparableMicros(bottom);
  const high = comparableMicros(top);
  return (v) => {
    if (typeof v !== 'number') return false;
    const micros = toMicros(v);
    if (micros === undefined) return false;
    return (openBottom ? micros > low : micros >= low) && (openTop ? micros < high : micros <= high);
  };
}

// --- wildcards -----------------------------------------------------------------------------

/** The literal runs between unescaped `*`s, as event-ruler's WildcardParser reads them. */
export function wildcardSegments(text: string): string[] {
  const segments: string[] = [];
  let current = '';
  const bytePos = (index: number) => Buffer.byteLength(text.slice(0, index)) + 1; // +1: the value's opening quote
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*') {
      if (text[i + 1] === '*') fail(`Consecutive wildcard characters at pos ${bytePos(i)}`);
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${bytePos(i)}`);
      current += next;
      i++;
    } else current += c;
  }
  segments.push(current);
  return segments;
}

export function compileWildcard(text: string): (value: string) => boolean {
  const segments = wildcardSegments(text);
  const first = segments[0] ?? '';
  if (segments.length === 1) return (value) => value === first;
  const last = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  return (value) => {
    if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
    // Leftmost placement of each middle run is optimal when `*` is the only metacharacter.
    let position = first.length;
    const end = value.length - last.length;
    for (const segment of middle) {
      const at = value.indexOf(segment, position);
      if (at < 0 || at + segment.length > end) return false;
      position = at + segment.length;
    }
    return true;
  };
}

// --- IP addresses --------------------------------------------------------------------------

const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The address's bytes, `undefined` for text that is not an address literal Java accepts. */
function ipBytes(text: string): number[] | undefined {
  if (IPV4.test(text)) {
    const bytes = text.split('.').map((part) => (part.length > 1 && part.startsWith('0') ? Number.NaN : Number(part)));
    return bytes.every((b) => b <= 255) ? bytes : undefined;
  }
  if (!IPV6.test(text)) return undefined;
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return undefined;
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  if (![...headGroups, ...tailGroups].every((g) => HEX_GROUP.test(g))) return undefined;
  const count = headGroups.length + tailGroups.length;
  if (gap < 0 ? count !== 8 : count > 7) return undefined;
  const groups = [...headGroups, ...Array<string>(8 - count).fill('0'), ...tailGroups].map((g) => Number.parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  // Java hands back IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) as IPv4.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

const toHex = (bytes: readonly number[]) =>
  bytes
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();

export function ipHexIfPossible(text: string): string | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const bytes = ipBytes(text);
  return bytes === undefined ? undefined : toHex(bytes);
}

/** Java's String.split drops trailing empty strings. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function cidrRange(cidr: string): { low: string; high: string } {
  const parts = javaSplit(cidr, '/');
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [address = '', maskText = ''] = parts;
  const mask = /^[+-]?\d{1,10}$/.test(maskText) ? Number(maskText) : Number.NaN;
  if (!Number.isInteger(mask) || mask > 2 ** 31 - 1 || mask < -(2 ** 31)) fail('Malformed CIDR, mask bits must be an integer');
  if (mask < 0) fail('Malformed CIDR, mask bits must not be negative');
  if (!IPV4.test(address) && !IPV6.test(address)) fail(`Nonstandard IP address: ${address}`);
  const bytes = ipBytes(address);
  if (bytes === undefined) return fail(`Invalid IP address: ${address}`);
  if (bytes.length === 4 && mask > 31) fail('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && mask > 127) fail('IPv6 mask bits must be < 128');
  // As event-ruler does, the range starts at the address as written, not at the network address.
  let hostBits = bytes.length * 8 - mask;
  const top = [...bytes];
  for (let i = top.length - 1; i >= 0; i--, hostBits -= 8) {
    if (hostBits >= 8) top[i] = 0xff;
    else if (hostBits > 0) top[i] = (top[i] ?? 0) | ((1 << hostBits) - 1);
  }
  return { low: toHex(bytes), high: toHex(top) };
}
