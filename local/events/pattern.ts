/**
 * EventBridge event patterns: validated and compiled once, matched against every event.
 *
 * AWS matches with its event-ruler library (github.com/aws/event-ruler); this follows its
 * behaviour rather than the prose of the docs where the two differ:
 * - a pattern is flattened into dot-joined field names, so `{"a": {"b": [1]}}` and
 *   `{"a.b": [1]}` are the same pattern and match event keys `a` → `b` or a literal `a.b` key;
 * - only leaf values (strings, numbers, booleans, null) are values: an object is not, and an
 *   array contributes each of its elements;
 * - two fields that sit inside objects in different elements of the same array never match
 *   together (array-consistent matching);
 * - numbers compare as numbers to 6 decimal places within ±5e9, outside it only literally;
 * - a pattern JSON event-ruler's current compiler rejects is retried with its legacy compiler,
 *   which treats `$or` as an ordinary field name, and that compiler's error is the one reported.
 */
import { AwsError } from '../aws-error.js';
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from '../json-depth.js';

/** A pattern ready for {@link matchesPattern}. */
export interface CompiledPattern {
  /** Alternatives from `$or`: the pattern matches when any one matches. */
  readonly branches: readonly Branch[];
}

interface Branch {
  readonly fields: readonly Field[];
}

/** A value test; `undefined` never reaches one. */
type ValueTest = (value: unknown) => boolean;

interface Field {
  /** Dot-joined name, as event-ruler keys its machines. */
  readonly name: string;
  /** `keys[i]` lists the event keys that can continue the name from its i-th part. */
  readonly keys: readonly (readonly KeyStep[])[];
  readonly parts: number;
  /** `{"exists": true}`: any value. */
  readonly anyValue: boolean;
  /** `{"exists": false}`: no value at all. */
  readonly absent: boolean;
  readonly tests: readonly ValueTest[];
}

interface KeyStep {
  readonly key: string;
  readonly next: number;
  /** `constructor`, `toString`...: a plain read would find them on every object. */
  readonly inherited: boolean;
}

/** One entry of a field's value list: `exists`, or a test a value passes or not. */
type Matcher =
  | { readonly kind: 'exists'; readonly present: boolean }
  | { readonly kind: 'test'; readonly test: ValueTest; readonly wildcards?: WildcardGroup };

/** Wildcard texts that count towards AWS's complexity limit as one pattern. */
interface WildcardGroup {
  readonly id: string;
  readonly texts: readonly string[];
}

class PatternError extends Error {}

function fail(reason: string): never {
  throw new PatternError(reason);
}

const invalidPattern = (reason: string) => new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);

/**
 * Validates an event pattern as PutRule and TestEventPattern do and compiles it.
 * @throws AwsError InvalidEventPatternException with AWS's reason
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  let parsed = pattern;
  // Compiling and matching recurse once per level: a pattern nested thousands deep would overflow the stack.
  if (typeof pattern === 'string' ? jsonDepth(pattern) > MAX_JSON_DEPTH : valueDepth(pattern) > MAX_JSON_DEPTH) {
    throw invalidPattern(`Event pattern is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw invalidPattern((error as Error).message);
    }
  }
  let branches: FieldMap[];
  try {
    branches = compileRules(parsed, true);
  } catch (strictError) {
    if (!(strictError instanceof PatternError)) throw strictError;
    try {
      branches = compileRules(parsed, false);
    } catch (legacyError) {
      if (legacyError instanceof PatternError) throw invalidPattern(legacyError.message);
      throw legacyError;
    }
  }
  try {
    checkWildcardComplexity(branches);
  } catch (error) {
    if (error instanceof PatternError) throw invalidPattern(error.message);
    throw error;
  }
  return { branches: branches.map((fields) => ({ fields: [...fields.values()].map(([name, matchers]) => buildField(name, matchers)) })) };
}

/** Whether the event matches: for every field the pattern names, some value passes one of its tests. */
export function matchesPattern(compiled: CompiledPattern, event: object): boolean {
  for (const branch of compiled.branches) {
    if (matchesBranch(branch.fields, event)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Compilation, following event-ruler's JsonRuleCompiler (withOr) and RuleCompiler (legacy).

/** Field name → [name, matchers]; one map per `$or` alternative. */
type FieldMap = Map<string, [string, Matcher[]]>;

/** Field names event-ruler reserves for operators; they cannot be fields inside `$or`. */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function compileRules(pattern: unknown, withOr: boolean): FieldMap[] {
  if (!isObject(pattern)) fail('Filter is not an object');
  const rules: FieldMap[] = [];
  parseObject(pattern as Record<string, unknown>, [], rules, withOr, false);
  return rules.length > 0 ? rules : [new Map()];
}

function parseObject(
  object: Record<string, unknown>,
  path: readonly string[],
  rules: FieldMap[],
  withOr: boolean,
  insideOr: boolean,
): void {
  const keys = Object.keys(object);
  if (keys.length === 0) fail('Empty objects are not allowed');
  for (const key of keys) {
    const value = object[key];
    if (withOr && key === '$or') {
      parseOr(value, path, rules);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    if (isObject(value)) parseObject(value, [...path, key], rules, withOr, insideOr);
    else if (Array.isArray(value)) writeField(rules, [...path, key].join('.'), value);
    else fail(`"${key}" must be an object or an array`);
  }
}

function parseOr(value: unknown, path: readonly string[], rules: FieldMap[]): void {
  const before = rules.map((rule) => new Map(rule));
  rules.length = 0;
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.');
  for (const alternative of value as unknown[]) {
    if (!isObject(alternative)) fail('Only JSON object is allowed in array of $or relationship.');
    const forked = before.length > 0 ? before.map((rule) => new Map(rule)) : [new Map()];
    parseObject(alternative as Record<string, unknown>, path, forked, true, true);
    rules.push(...forked);
  }
  if ((value as unknown[]).length < 2) fail('There must have at least 2 Objects in $or relationship.');
}

function writeField(rules: FieldMap[], name: string, values: readonly unknown[]): void {
  const matchers: Matcher[] = [];
  for (const value of values) {
    if (isObject(value)) matchers.push(matchExpression(value));
    else if (typeof value === 'string') matchers.push(exactString(value));
    else if (typeof value === 'number' && Number.isFinite(value)) matchers.push(exactNumber(value));
    else if (value === null || typeof value === 'boolean') {
      const literal = value;
      matchers.push({ kind: 'test', test: (v) => v === literal });
    } else fail('Match value must be String, number, true, false, or null');
  }
  if (matchers.length === 0) fail('Empty arrays are not allowed');
  if (rules.length === 0) rules.push(new Map());
  for (const rule of rules) rule.set(name, [name, matchers]);
}

function exactString(text: string): Matcher {
  // event-ruler turns a value that reads as an IP address into an address match, so
  // "::1" also matches "0:0:0:0:0:0:0:1".
  const ip = ipHexIfPossible(text);
  if (ip !== undefined) return { kind: 'test', test: (v) => typeof v === 'string' && (v === text || ipHexIfPossible(v) === ip) };
  return { kind: 'test', test: (v) => v === text };
}

function exactNumber(value: number): Matcher {
  const micros = toMicros(value);
  // Numbers outside the comparable range (account ids, say) still match literally.
  if (micros === undefined) return { kind: 'test', test: (v) => v === value };
  return { kind: 'test', test: (v) => typeof v === 'number' && (v === value || toMicros(v) === micros) };
}

function matchExpression(expression: Record<string, unknown>): Matcher {
  const keys = Object.keys(expression);
  const type = keys[0];
  if (type === undefined) return fail('Match expression name not found');
  const value = expression[type];
  const onlyOneKey = () => {
    if (keys.length > 1) fail('Only one key allowed in match expression');
  };
  const tooManyElements = () => {
    if (keys.length > 1) fail('Too many elements in numeric expression');
  };
  switch (type) {
    case 'exactly': {
      if (typeof value !== 'string') fail('exact match pattern must be a string');
      onlyOneKey();
      const text = value as string;
      return { kind: 'test', test: (v) => v === text };
    }
    case 'prefix':
    case 'suffix': {
      if (isObject(value)) {
        const test = ignoreCaseAffix(type, value);
        onlyOneKey();
        return { kind: 'test', test };
      }
      if (typeof value !== 'string') fail(`${type} match pattern must be a string`);
      onlyOneKey();
      const text = value as string;
      return {
        kind: 'test',
        test: type === 'prefix' ? (v) => typeof v === 'string' && v.startsWith(text) : (v) => typeof v === 'string' && v.endsWith(text),
      };
    }
    case 'equals-ignore-case': {
      if (typeof value !== 'string') fail('equals-ignore-case match pattern must be a string');
      onlyOneKey();
      const text = value as string;
      return { kind: 'test', test: (v) => typeof v === 'string' && equalsIgnoreCase(v, text) };
    }
    case 'wildcard': {
      if (typeof value !== 'string') fail('wildcard match pattern must be a string');
      const glob = compileWildcard(value as string);
      onlyOneKey();
      return {
        kind: 'test',
        test: (v) => typeof v === 'string' && glob(v),
        wildcards: { id: `wildcard:${value}`, texts: [value as string] },
      };
    }
    case 'numeric': {
      if (!Array.isArray(value)) fail('Value of numeric must be an array.');
      const test = numericExpression(value as unknown[]);
      tooManyElements();
      return { kind: 'test', test };
    }
    case 'anything-but': {
      const matcher = anythingBut(value);
      tooManyElements();
      return matcher;
    }
    case 'exists': {
      if (typeof value !== 'boolean') fail('exists match pattern must be either true or false.');
      onlyOneKey();
      return { kind: 'exists', present: value as boolean };
    }
    case 'cidr': {
      // event-ruler's own message, prefix and all.
      if (typeof value !== 'string') fail('prefix match pattern must be a string');
      const range = cidrRange(value as string);
      onlyOneKey();
      return {
        kind: 'test',
        test: (v) => {
          if (typeof v !== 'string') return false;
          const hex = ipHexIfPossible(v);
          return hex !== undefined && hex.length === range.low.length && hex >= range.low && hex <= range.high;
        },
      };
    }
    default:
      return fail(`Unrecognized match type ${type}`);
  }
}

function ignoreCaseAffix(type: 'prefix' | 'suffix', object: Record<string, unknown>): ValueTest {
  const keys = Object.keys(object);
  const op = keys[0];
  const label = type === 'prefix' ? 'Prefix' : 'Suffix';
  if (op === undefined) return fail(`${label} expression name not found`);
  if (op !== 'equals-ignore-case') fail(`Unsupported ${type} pattern: ${op}`);
  const text = object[op];
  if (typeof text !== 'string') return fail('equals-ignore-case match pattern must be a string');
  if (keys.length > 1) fail('Only one key allowed in match expression');
  const lower = text.toLowerCase();
  return type === 'prefix'
    ? (v) => typeof v === 'string' && v.slice(0, text.length).toLowerCase() === lower
    : (v) => typeof v === 'string' && v.length >= text.length && v.slice(v.length - text.length).toLowerCase() === lower;
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase());
}

// --- anything-but ----------------------------------------------------------------------

type AnythingButKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function anythingBut(value: unknown): Matcher {
  let kind: AnythingButKind | undefined;
  let operand = value;
  let operandKeys = 0;
  if (isObject(value)) {
    const keys = Object.keys(value);
    const op = keys[0];
    if (op === undefined) return fail('Anything-But expression name not found');
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard')
      return fail(`Unsupported anything-but pattern: ${op}`);
    kind = op;
    operand = value[op];
    operandKeys = keys.length;
  }
  if (!Array.isArray(operand) && typeof operand !== 'string' && typeof operand !== 'number') {
    fail('Value of anything-but must be an array or single string/number value.');
  }
  const matcher = kind === undefined ? anythingButValues(operand) : anythingButSet(kind, Array.isArray(operand) ? operand : [operand]);
  if (operandKeys > 1) fail('Too many elements in numeric expression');
  return matcher;
}

/** `{"anything-but": "x"}`, `[...]`, `5`: strings exclude strings, numbers exclude numbers. */
function anythingButValues(operand: unknown): Matcher {
  const values = Array.isArray(operand) ? operand : [operand];
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const value of values) {
    if (typeof value === 'string') strings.add(value);
    else if (typeof value === 'number' && Number.isFinite(value)) numbers.add(comparableMicros(value));
    else
      fail(
        Array.isArray(operand)
          ? 'Inside anything but list, start|null|boolean is not supported.'
          : 'Inside anything-but list, start|null|boolean is not supported.',
      );
  }
  if (strings.size > 0 === numbers.size > 0) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  if (numbers.size > 0) {
    return {
      kind: 'test',
      test: (v) => {
        if (typeof v !== 'number') return true;
        const micros = toMicros(v);
        return micros === undefined || !numbers.has(micros);
      },
    };
  }
  return { kind: 'test', test: (v) => typeof v !== 'string' || !strings.has(v) };
}

/** `{"anything-but": {"prefix" | "suffix" | "equals-ignore-case" | "wildcard": ...}}`: only strings can be excluded. */
function anythingButSet(kind: AnythingButKind, values: readonly unknown[]): Matcher {
  const texts: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string') {
      if (kind === 'equals-ignore-case') fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      if (kind === 'wildcard') fail('wildcard match pattern must be a string');
      fail('prefix/suffix match pattern must be a string');
    }
    if ((kind === 'prefix' || kind === 'suffix') && value === '') fail('Null prefix/suffix not allowed');
    texts.push(value as string);
  }
  switch (kind) {
    case 'prefix':
      return { kind: 'test', test: (v) => typeof v !== 'string' || !texts.some((t) => v.startsWith(t)) };
    case 'suffix':
      return { kind: 'test', test: (v) => typeof v !== 'string' || !texts.some((t) => v.endsWith(t)) };
    case 'equals-ignore-case':
      return { kind: 'test', test: (v) => typeof v !== 'string' || !texts.some((t) => equalsIgnoreCase(v, t)) };
    case 'wildcard': {
      const globs = texts.map(compileWildcard);
      const unique = [...new Set(texts)].sort();
      return {
        kind: 'test',
        test: (v) => typeof v !== 'string' || !globs.some((glob) => glob(v)),
        wildcards: { id: `anything-but-wildcard:${JSON.stringify(unique)}`, texts: unique },
      };
    }
  }
}

// --- numbers -----------------------------------------------------------------------------

const FIVE_BILLION = 5e9;

/** event-ruler's ComparableNumber: ±5e9 at 6 decimal places; other numbers are not comparable. */
function toMicros(value: number): number | undefined {
  if (!(value >= -FIVE_BILLION && value <= FIVE_BILLION)) return undefined;
  return Math.round(value * 1e6);
}

function comparableMicros(value: number): number {
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

function numericExpression(terms: readonly unknown[]): ValueTest {
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
function wildcardSegments(text: string): string[] {
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

function compileWildcard(text: string): (value: string) => boolean {
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

function ipHexIfPossible(text: string): string | undefined {
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

function cidrRange(cidr: string): { low: string; high: string } {
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

// --- wildcard complexity ---------------------------------------------------------------------

// AWS rejects a rule whose wildcards could keep too many partial matches alive at once.
// This mirrors event-ruler's MachineComplexityEvaluator over the byte machine it would build
// (wildcards sharing a determinate prefix share its states; a trailing `*` stays alive once
// reached). AWS does not publish its limit; more than 10 is what fits every rejection and
// acceptance seen in public: `*:*:*:*:*:event-bus/*` (11) and four `*:stack/<name>/*` values
// (12) rejected, three of those (9) and two `*/datasync/*.<ext>` values (8) accepted.
const COMPLEXITY_LIMIT = 10;
const STAR = -1;
const ANY_OTHER_BYTE = -2;

function checkWildcardComplexity(branches: readonly FieldMap[]): void {
  const byField = new Map<string, Map<string, WildcardGroup>>();
  for (const branch of branches) {
    for (const [name, matchers] of branch.values()) {
      for (const matcher of matchers) {
        if (matcher.kind !== 'test' || !matcher.wildcards) continue;
        const groups = byField.get(name) ?? new Map<string, WildcardGroup>();
        byField.set(name, groups);
        groups.set(matcher.wildcards.id, matcher.wildcards);
      }
    }
  }
  for (const groups of byField.values()) {
    if (wildcardComplexity([...groups.values()]) > COMPLEXITY_LIMIT) {
      fail('Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character');
    }
  }
}

/** UTF-8 bytes of the quoted value, `STAR` for each wildcard. */
function wildcardTokens(text: string): number[] {
  const tokens = [0x22];
  wildcardSegments(text).forEach((segment, i) => {
    if (i > 0) tokens.push(STAR);
    tokens.push(...Buffer.from(segment, 'utf8'));
  });
  tokens.push(0x22);
  return tokens;
}

interface ByteState {
  readonly literal: Map<number, number[]>;
  readonly any: number[];
  /** Patterns reachable through this state. */
  readonly patterns: Set<string>;
  /** Shared steps while the pattern prefix is still determinate. */
  readonly shared: Map<number, number>;
  sharedStar: number;
}

function wildcardComplexity(groups: readonly WildcardGroup[]): number {
  const states: ByteState[] = [];
  const newState = () => states.push({ literal: new Map(), any: [], patterns: new Set(), shared: new Map(), sharedStar: -1 }) - 1;
  const state = (id: number) => states[id] as ByteState;
  const addLiteral = (from: number, byte: number, to: number) => {
    const list = state(from).literal.get(byte);
    if (list) list.push(to);
    else state(from).literal.set(byte, [to]);
  };
  const alphabet = new Set<number>([ANY_OTHER_BYTE]);
  newState();
  for (const group of groups) {
    for (const text of group.texts) {
      const tokens = wildcardTokens(text);
      let current = 0;
      let previous = -1;
      let determinate = true;
      tokens.forEach((token, i) => {
        let next: number;
        if (token === STAR) {
          if (determinate && state(current).sharedStar >= 0) next = state(current).sharedStar;
          else {
            next = newState();
            state(current).any.push(next);
            state(next).any.push(next);
            if (determinate) state(current).sharedStar = next;
          }
          determinate = false;
        } else {
          alphabet.add(token);
          const shared = determinate ? state(current).shared.get(token) : undefined;
          if (shared !== undefined) next = shared;
          else {
            next = newState();
            addLiteral(current, token, next);
            if (determinate) state(current).shared.set(token, next);
            // A wildcard may match nothing, so the byte after it is also reachable from before it.
            if (i > 0 && tokens[i - 1] === STAR) addLiteral(previous, token, next);
          }
        }
        state(next).patterns.add(group.id);
        previous = current;
        current = next;
      });
    }
  }
  let maximum = 0;
  const seen = new Set<string>();
  const pending: number[][] = [[0]];
  while (pending.length > 0 && seen.size < 20_000) {
    const active = pending.pop() as number[];
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const id of active) {
        for (const target of state(id).any) next.add(target);
        for (const target of state(id).literal.get(byte) ?? []) next.add(target);
      }
      if (next.size === 0) continue;
      let size = 0;
      for (const id of next) {
        size += state(id).patterns.size;
        for (const wildcard of state(id).any) if (!next.has(wildcard)) size += state(wildcard).patterns.size;
      }
      if (size > COMPLEXITY_LIMIT) return size;
      maximum = Math.max(maximum, size);
      const key = [...next].sort((a, b) => a - b).join(',');
      if (!seen.has(key)) {
        seen.add(key);
        pending.push([...next]);
      }
    }
  }
  return maximum;
}

// ---------------------------------------------------------------------------------------
// Matching.

function buildField(name: string, matchers: readonly Matcher[]): Field {
  const parts = name.split('.');
  // Every run of consecutive parts may be one event key: "a.b" matches {"a": {"b": ..}} and {"a.b": ..}.
  // Each key extends the one before it (not a join per run), so a deep field's name costs its square, not its cube.
  const keys = parts.map((_, from) => {
    let key: string | undefined;
    return parts.slice(from).map((part, length) => {
      key = key === undefined ? part : `${key}.${part}`;
      // Object.prototype's names are short; testing a long key would hash (flatten) it.
      return { key, next: from + length + 1, inherited: key.length <= 32 && key in Object.prototype };
    });
  });
  let anyValue = false;
  let absent = false;
  const tests: ValueTest[] = [];
  for (const matcher of matchers) {
    if (matcher.kind === 'exists') {
      if (matcher.present) anyValue = true;
      else absent = true;
    } else tests.push(matcher.test);
  }
  return { name, keys, parts: parts.length, anyValue, absent, tests };
}

const hasOwn = Object.hasOwn;

/** The value under a key, `undefined` if none: JSON values are never `undefined`, so one read does. */
function read(node: object, step: KeyStep): unknown {
  const value = (node as Record<string, unknown>)[step.key];
  return value === undefined || (step.inherited && !hasOwn(node, step.key)) ? undefined : value;
}

function passes(field: Field, value: unknown): boolean {
  if (field.anyValue) return true;
  const tests = field.tests;
  for (let i = 0; i < tests.length; i++) if ((tests[i] as ValueTest)(value)) return true;
  return false;
}

const MATCH = 1;
const NO_MATCH = 0;
/** Arrays (or keys with dots) are on the way: membership has to be tracked. */
const NEEDS_ARRAYS = 2;

/** Walks a field's name through objects only, the common case, without allocating. */
function quickMatch(field: Field, event: object): number {
  let node: unknown = event;
  let part = 0;
  while (part < field.parts) {
    if (typeof node !== 'object' || node === null) return field.absent ? MATCH : NO_MATCH;
    if (Array.isArray(node)) return NEEDS_ARRAYS;
    const steps = field.keys[part] as readonly KeyStep[];
    let found: unknown;
    let next = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as KeyStep;
      const value = read(node, step);
      if (value === undefined) continue;
      if (next !== 0) return NEEDS_ARRAYS;
      found = value;
      next = step.next;
    }
    if (next === 0) return field.absent ? MATCH : NO_MATCH;
    node = found;
    part = next;
  }
  if (Array.isArray(node))
    return arrayOfLeaves(node) ? (leavesPass(field, node) ? MATCH : field.absent && !hasLeaf(node) ? MATCH : NO_MATCH) : NEEDS_ARRAYS;
  if (typeof node === 'object' && node !== null) return field.absent ? MATCH : NO_MATCH;
  return passes(field, node) ? MATCH : NO_MATCH;
}

function arrayOfLeaves(array: readonly unknown[]): boolean {
  for (const item of array) {
    if (Array.isArray(item)) {
      if (!arrayOfLeaves(item)) return false;
    } else if (typeof item === 'object' && item !== null) return false;
  }
  return true;
}

function leavesPass(field: Field, array: readonly unknown[]): boolean {
  for (const item of array) {
    if (Array.isArray(item) ? leavesPass(field, item) : passes(field, item)) return true;
  }
  return false;
}

function hasLeaf(array: readonly unknown[]): boolean {
  for (const item of array) if (!Array.isArray(item) || hasLeaf(item)) return true;
  return false;
}

/** Where a value sits: the array element it came through, then the enclosing ones. */
interface Membership {
  readonly array: readonly unknown[];
  readonly index: number;
  readonly outer: Membership | undefined;
}

interface Hit {
  readonly membership: Membership | undefined;
}

function collect(
  field: Field,
  value: unknown,
  part: number,
  membership: Membership | undefined,
  out: { values: number; hits: Hit[] },
): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) collect(field, value[index], part, { array: value, index, outer: membership }, out);
    return;
  }
  if (part === field.parts) {
    if (typeof value === 'object' && value !== null) return;
    out.values++;
    if (passes(field, value)) out.hits.push({ membership });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const step of field.keys[part] as readonly KeyStep[]) {
    const child = read(value, step);
    if (child !== undefined) collect(field, child, step.next, membership, out);
  }
}

function consistent(a: Membership | undefined, b: Membership | undefined): boolean {
  for (let x = a; x; x = x.outer) {
    for (let y = b; y; y = y.outer) if (x.array === y.array && x.index !== y.index) return false;
  }
  return true;
}

function matchesBranch(fields: readonly Field[], event: object): boolean {
  let complex: Field[] | undefined;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as Field;
    const result = quickMatch(field, event);
    if (result === NO_MATCH) return false;
    if (result === NEEDS_ARRAYS) {
      complex ??= [];
      complex.push(field);
    }
  }
  if (!complex) return true;
  // Fields inside arrays must be satisfied by values from the same element of any array they share.
  const constrained: Hit[][] = [];
  for (const field of complex) {
    const out = { values: 0, hits: [] as Hit[] };
    collect(field, event, 0, undefined, out);
    if (out.hits.length === 0) {
      if (field.absent && out.values === 0) continue;
      return false;
    }
    if (out.hits.some((hit) => hit.membership === undefined)) continue;
    constrained.push(out.hits);
  }
  const chosen: Hit[] = [];
  const choose = (i: number): boolean => {
    const hits = constrained[i];
    if (!hits) return true;
    for (const hit of hits) {
      if (!chosen.every((other) => consistent(hit.membership, other.membership))) continue;
      chosen.push(hit);
      if (choose(i + 1)) return true;
      chosen.pop();
    }
    return false;
  };
  return choose(0);
}
