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
import { AwsError } from '../endpoint/aws-error.js';
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from '../json/json-depth.js';
import { checkWildcardComplexity } from './pattern-complexity.js';
import { buildField, matchesBranch } from './pattern-matching.js';
import { cidrRange, comparableMicros, compileWildcard, ipHexIfPossible, numericExpression, toMicros } from './pattern-operands.js';
import { type Branch, type FieldMap, fail, isObject, type Matcher, PatternError, type ValueTest } from './pattern-types.js';

/** A pattern ready for {@link matchesPattern}. */
export interface CompiledPattern {
  /** Alternatives from `$or`: the pattern matches when any one matches. */
  readonly branches: readonly Branch[];
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
    case 'suffix':
      return affixMatcher(type, value, onlyOneKey);
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
    case 'cidr':
      return cidrMatcher(value, onlyOneKey);
    default:
      return fail(`Unrecognized match type ${type}`);
  }
}

/** `prefix` and `suffix`: a string, or `{ "equals-ignore-case": string }`. `onlyOneKey` fails a second key, after the value is checked (event-ruler's order). */
function affixMatcher(type: 'prefix' | 'suffix', value: unknown, onlyOneKey: () => void): Matcher {
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

/** `cidr`: an IPv4 or IPv6 range, matched against addresses of the same family. */
function cidrMatcher(value: unknown, onlyOneKey: () => void): Matcher {
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
