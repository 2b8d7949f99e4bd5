/**
 * A checker for API Gateway request models (JSON Schema draft 4), for request validation.
 * The project has no JSON Schema library at run time (it dropped ajv), and the contracts'
 * checker cannot be imported by the local runtime (architecture rule 1: it knows the app
 * only through the cloud assembly), so this holds the keywords request models commonly use:
 * type, enum, properties, required, additionalProperties, items, minItems/maxItems,
 * minLength/maxLength, pattern, minimum/maximum (with draft 4's boolean exclusive bounds),
 * multipleOf, allOf/anyOf/oneOf/not. Anything else (`$ref`, `format`, `dependencies`, ...)
 * is not checked; `compileModel` names it so the start-up report can say so. Patterns are
 * read without the `u` flag, as the ECMA 262 regular expressions draft 4 names (`[a-z\-]`
 * is a SyntaxError with it).
 */

type Schema = Record<string, unknown>;
type Check = (value: unknown) => boolean;

/** Keywords that only annotate: nothing to check. */
const ANNOTATIONS = new Set(['id', '$schema', 'title', 'description', 'default', 'definitions', 'example', 'examples']);

export interface CompiledModel {
  /** Whether the (parsed JSON) value satisfies the model. */
  readonly check: Check;
  /** The keywords of the model this checker does not apply, sorted. */
  readonly unchecked: readonly string[];
}

export function compileModel(schema: unknown): CompiledModel {
  const unchecked = new Set<string>();
  const check = compile(schema, unchecked);
  return { check, unchecked: [...unchecked].sort() };
}

function isType(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true; // an unknown type name constrains nothing here; API Gateway refuses such a model at deploy
  }
}

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}

function compile(schema: unknown, unchecked: Set<string>): Check {
  if (!isObject(schema)) return () => true;
  const checks: Check[] = [];
  for (const [key, value] of Object.entries(schema)) {
    const check = keyword(key, value, schema, unchecked);
    if (check) checks.push(check);
  }
  return (value) => checks.every((check) => check(value));
}

/** Length in Unicode code points. */
const length = (text: string) => [...text].length;

/** One keyword's check from its value; `s` is the schema holding it, `sub` compiles a subschema. */
type KeywordCompiler = (value: unknown, s: Schema, sub: (schema: unknown) => Check) => Check | undefined;

/** Each keyword this checker applies, and draft 4's bound flags, which check nothing by themselves. */
const KEYWORDS: Record<string, KeywordCompiler> = {
  type: (value) => {
    const types = Array.isArray(value) ? value : [value];
    return (v) => types.some((t) => isType(t, v));
  },
  enum: (value) => (v) => (value as unknown[]).some((allowed) => equal(v, allowed)),
  properties: (value, _s, sub) => {
    const checks = Object.entries(value as Schema).map(([name, property]) => [name, sub(property)] as const);
    return (v) => !isObject(v) || checks.every(([name, check]) => v[name] === undefined || check(v[name]));
  },
  required: (value) => (v) => !isObject(v) || (value as string[]).every((name) => Object.hasOwn(v, name)),
  additionalProperties: (value, s, sub) => {
    const declared = Object.keys((s.properties ?? {}) as Schema);
    const patterns = Object.keys((s.patternProperties ?? {}) as Schema).map((p) => new RegExp(p));
    const extra = value === false ? () => false : sub(value);
    return (v) =>
      !isObject(v) ||
      Object.entries(v).every(([name, property]) => declared.includes(name) || patterns.some((p) => p.test(name)) || extra(property));
  },
  patternProperties: (value, _s, sub) => {
    const checks = Object.entries(value as Schema).map(([pattern, property]) => [new RegExp(pattern), sub(property)] as const);
    return (v) =>
      !isObject(v) || Object.entries(v).every(([name, property]) => checks.every(([p, check]) => !p.test(name) || check(property)));
  },
  items: (value, _s, sub) => {
    if (Array.isArray(value)) {
      const positional = value.map(sub);
      return (v) => !Array.isArray(v) || positional.every((check, i) => i >= v.length || check(v[i]));
    }
    const item = sub(value);
    return (v) => !Array.isArray(v) || v.every(item);
  },
  minItems: (value) => (v) => !Array.isArray(v) || v.length >= (value as number),
  maxItems: (value) => (v) => !Array.isArray(v) || v.length <= (value as number),
  uniqueItems: (value) => (v) =>
    value !== true || !Array.isArray(v) || v.every((item, i) => v.findIndex((other) => equal(item, other)) === i),
  minLength: (value) => (v) => typeof v !== 'string' || length(v) >= (value as number),
  maxLength: (value) => (v) => typeof v !== 'string' || length(v) <= (value as number),
  pattern: (value) => {
    const regex = new RegExp(value as string);
    return (v) => typeof v !== 'string' || regex.test(v);
  },
  minimum: (value, s) => (v) => typeof v !== 'number' || (s.exclusiveMinimum === true ? v > (value as number) : v >= (value as number)),
  maximum: (value, s) => (v) => typeof v !== 'number' || (s.exclusiveMaximum === true ? v < (value as number) : v <= (value as number)),
  multipleOf: (value) => (v) => typeof v !== 'number' || Number.isInteger(v / (value as number)),
  allOf: (value, _s, sub) => {
    const all = (value as unknown[]).map(sub);
    return (v) => all.every((check) => check(v));
  },
  anyOf: (value, _s, sub) => {
    const any = (value as unknown[]).map(sub);
    return (v) => any.some((check) => check(v));
  },
  oneOf: (value, _s, sub) => {
    const one = (value as unknown[]).map(sub);
    return (v) => one.filter((check) => check(v)).length === 1;
  },
  not: (value, _s, sub) => {
    const inner = sub(value);
    return (v) => !inner(v);
  },
  exclusiveMinimum: () => undefined, // draft 4's flags: read by minimum and maximum
  exclusiveMaximum: () => undefined,
};

/** One keyword's check; undefined when it checks nothing by itself (an annotation, a bound's flag, an unknown keyword). */
function keyword(key: string, value: unknown, s: Schema, unchecked: Set<string>): Check | undefined {
  const compileKeyword = Object.hasOwn(KEYWORDS, key) ? KEYWORDS[key] : undefined;
  if (compileKeyword === undefined) {
    if (!ANNOTATIONS.has(key)) unchecked.add(key);
    return undefined;
  }
  return compileKeyword(value, s, (schema) => compile(schema, unchecked));
}
