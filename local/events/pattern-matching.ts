/** Matching a compiled pattern against an event: field names through objects and arrays, with array-consistent membership. */
import type { Field, KeyStep, Matcher, ValueTest } from './pattern-types.js';

// ---------------------------------------------------------------------------------------
// Matching.

export function buildField(name: string, matchers: readonly Matcher[]): Field {
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

export function matchesBranch(fields: readonly Field[], event: object): boolean {
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
