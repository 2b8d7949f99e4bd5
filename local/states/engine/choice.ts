import { deepEqual } from '../../json/jsonpath.js';
import { Errors, StatesError } from './errors.js';
import type { Scope } from './intrinsics.js';
import { compileReferencePath, PayloadSyntaxError, type ReferencePath, requirePath } from './payload.js';
import { compareInstants, parseTimestamp } from './timestamp.js';

/** A compiled JSONPath choice rule (JSONata rules use `Condition` and are evaluated by the engine). */
export type Rule = (scope: Scope) => boolean;

const COMPARATORS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'StringMatches',
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const;

const COMPARATOR_SET = new Set<string>([
  ...COMPARATORS,
  ...COMPARATORS.filter((c) => !c.startsWith('Is') && c !== 'StringMatches').map((c) => `${c}Path`),
]);

export function compileRule(rule: Record<string, unknown>, where: string): Rule {
  if (Array.isArray(rule.And)) {
    const rules = rule.And.map((r, i) => compileRule(r as Record<string, unknown>, `${where}/And[${i}]`));
    return (s) => rules.every((r) => r(s));
  }
  if (Array.isArray(rule.Or)) {
    const rules = rule.Or.map((r, i) => compileRule(r as Record<string, unknown>, `${where}/Or[${i}]`));
    return (s) => rules.some((r) => r(s));
  }
  if (rule.Not && typeof rule.Not === 'object') {
    const inner = compileRule(rule.Not as Record<string, unknown>, `${where}/Not`);
    return (s) => !inner(s);
  }
  if (typeof rule.Variable !== 'string')
    throw new PayloadSyntaxError(`A choice rule must have a Variable or be a boolean expression at ${where}`);
  const variable = compileReferencePath(rule.Variable);
  const ops = Object.keys(rule).filter((k) => COMPARATOR_SET.has(k));
  if (ops.length !== 1) throw new PayloadSyntaxError(`A choice rule must have exactly one comparison operator at ${where}`);
  const op = ops[0] as string;
  const operand = rule[op];
  if (op.endsWith('Path')) {
    if (typeof operand !== 'string') throw new PayloadSyntaxError(`${op} must be a path at ${where}`);
    const other = compileReferencePath(operand);
    const base = op.slice(0, -4);
    return (s) => {
      const v = resolveVariable(variable, s);
      const expected = requirePath(other, s);
      return compare(base, v, expected);
    };
  }
  validateOperand(op, operand, where);
  if (op === 'IsPresent') return (s) => (variable.resolve(s) !== undefined) === operand;
  if (op === 'StringMatches') {
    const re = wildcardPattern(operand as string);
    return (s) => {
      const v = resolveVariable(variable, s);
      return typeof v === 'string' && re.test(v);
    };
  }
  return (s) => compare(op, resolveVariable(variable, s), operand);
}

/**
 * A rule's Variable that selects nothing fails the execution (only IsPresent may test for it),
 * in Step Functions' own words for a Choice state, not Jayway's that other paths use: AWS's
 * Step Functions Local answers `Invalid path '$.x': The choice state's condition path
 * references an invalid value.`
 */
function resolveVariable(variable: ReferencePath, s: Scope): unknown {
  const v = variable.resolve(s);
  if (v === undefined)
    throw new StatesError(
      Errors.Runtime,
      `Invalid path '${variable.source}': The choice state's condition path references an invalid value.`,
    );
  return v;
}

function validateOperand(op: string, operand: unknown, where: string): void {
  const bad = () => {
    throw new PayloadSyntaxError(`The value of ${op} has the wrong type at ${where}`);
  };
  if (op.startsWith('Is') || op === 'BooleanEquals') {
    if (typeof operand !== 'boolean') bad();
  } else if (op.startsWith('Numeric')) {
    if (typeof operand !== 'number') bad();
  } else if (typeof operand !== 'string') bad();
  else if (op.startsWith('Timestamp') && !parseTimestamp(operand)) bad();
}

function compare(op: string, v: unknown, expected: unknown): boolean {
  switch (op) {
    case 'IsNull':
      return (v === null) === expected;
    case 'IsNumeric':
      return (typeof v === 'number') === expected;
    case 'IsString':
      return (typeof v === 'string') === expected;
    case 'IsBoolean':
      return (typeof v === 'boolean') === expected;
    case 'IsTimestamp':
      return (typeof v === 'string' && parseTimestamp(v) !== undefined) === expected;
    case 'BooleanEquals':
      return typeof v === 'boolean' && typeof expected === 'boolean' && v === expected;
    case 'StringMatches':
      return typeof v === 'string' && typeof expected === 'string' && wildcardPattern(expected).test(v);
  }
  if (op.startsWith('String')) {
    if (typeof v !== 'string' || typeof expected !== 'string') return false;
    return ordered(op.slice(6), v < expected ? -1 : v > expected ? 1 : 0);
  }
  if (op.startsWith('Numeric')) {
    if (typeof v !== 'number' || typeof expected !== 'number') return false;
    return ordered(op.slice(7), v < expected ? -1 : v > expected ? 1 : 0);
  }
  if (op.startsWith('Timestamp')) {
    if (typeof v !== 'string' || typeof expected !== 'string') return false;
    const a = parseTimestamp(v);
    const b = parseTimestamp(expected);
    if (!a || !b) return false;
    return ordered(op.slice(9), Math.sign(compareInstants(a, b)));
  }
  return deepEqual(v, expected);
}

function ordered(kind: string, c: number): boolean {
  switch (kind) {
    case 'Equals':
      return c === 0;
    case 'LessThan':
      return c < 0;
    case 'GreaterThan':
      return c > 0;
    case 'LessThanEquals':
      return c <= 0;
    case 'GreaterThanEquals':
      return c >= 0;
  }
  return false;
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
export function wildcardPattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      re += `\\${pattern[i + 1]}`;
      i++;
    } else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}
