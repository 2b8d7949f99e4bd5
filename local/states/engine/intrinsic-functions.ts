import { createHash, randomUUID } from 'node:crypto';
import { deepEqual } from '../../json/jsonpath.js';
import { seededRandom } from '../../random/seeded-random.js';
import { Errors, StatesError } from './errors.js';
import { stringify, typeName } from './json.js';

/**
 * The implementations of the `States.*` intrinsic functions, one table entry per name.
 * Each entry checks its own arguments, in the order AWS reports their errors.
 */

export class Literal {
  constructor(readonly template: string) {}
}
export const isTemplate = (v: unknown): v is Literal => v instanceof Literal;
export const literalString = (value: Literal) => value.template.replace(/\\([{}])/g, '$1');
const unwrap = (v: unknown) => (isTemplate(v) ? literalString(v) : v);

const fail = (expr: { source: string }, message: string): never => {
  throw new StatesError(Errors.IntrinsicFailure, `The function '${expr.source}' had the following error: ${message}`);
};

/** One call's arguments and the checks the functions share; a failed check throws for the call's source. */
class CallArgs {
  /** States.Format sees its template as written; every other function sees plain strings. */
  readonly values: unknown[];

  constructor(
    readonly expr: { name: string; source: string },
    readonly raw: unknown[],
  ) {
    this.values = expr.name === 'States.Format' ? raw : raw.map(unwrap);
  }

  get n(): number {
    return this.values.length;
  }

  fail(message: string): never {
    return fail(this.expr, message);
  }

  arity(min: number, max = min): void {
    const n = this.n;
    if (n < min || n > max)
      this.fail(
        min === max
          ? `The function takes exactly ${min} argument${min === 1 ? '' : 's'}, but ${n} were given.`
          : `The function takes between ${min} and ${max} arguments, but ${n} were given.`,
      );
  }

  str(i: number, what = 'string'): string {
    const v = this.values[i];
    if (typeof v !== 'string') this.fail(`The value of argument ${i + 1} must be a ${what}, but was ${typeName(v)}.`);
    return v as string;
  }

  int(i: number): number {
    const v = this.values[i];
    if (typeof v !== 'number' || !Number.isInteger(v))
      this.fail(`The value of argument ${i + 1} must be an integer, but was ${stringify(v)}.`);
    return v as number;
  }

  arr(i: number): unknown[] {
    const v = this.values[i];
    if (!Array.isArray(v)) this.fail(`The value of argument ${i + 1} must be an array, but was ${typeName(v)}.`);
    return v as unknown[];
  }

  /** A number argument, of any kind; the caller rounds it its own way. */
  num(i: number): number {
    const v = this.values[i];
    if (typeof v !== 'number') this.fail(`The value of argument ${i + 1} must be a number, but was ${typeName(v)}.`);
    return v as number;
  }
}

const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

const INTRINSIC_FUNCTIONS: Record<string, (args: CallArgs) => unknown> = {
  'States.Format': format,
  'States.StringToJson': (a) => {
    a.arity(1);
    const s = a.str(0).trim();
    if (s === '') return null;
    try {
      return JSON.parse(s);
    } catch {
      return a.fail(`The argument '${s}' could not be parsed as JSON.`);
    }
  },
  'States.JsonToString': (a) => {
    a.arity(1);
    return stringify(a.values[0]);
  },
  'States.Array': (a) => a.values,
  'States.ArrayPartition': (a) => {
    a.arity(2);
    const arr = a.arr(0);
    const size = a.int(1);
    if (size <= 0) a.fail(`The chunk size must be greater than zero, but was ${size}.`);
    const out: unknown[][] = [];
    for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
    return out;
  },
  'States.ArrayContains': (a) => {
    a.arity(2);
    const arr = a.arr(0);
    return arr.some((x) => deepEqual(x, a.values[1]));
  },
  'States.ArrayRange': (a) => {
    a.arity(3);
    const start = a.int(0);
    const end = a.int(1);
    const stepBy = a.int(2);
    if (stepBy === 0) a.fail('The step value cannot be zero.');
    const out: number[] = [];
    if (stepBy > 0) for (let i = start; i <= end; i += stepBy) out.push(i);
    else for (let i = start; i >= end; i += stepBy) out.push(i);
    if (out.length > 1000) a.fail('The array size cannot exceed 1000 elements.');
    return out;
  },
  'States.ArrayGetItem': (a) => {
    a.arity(2);
    const arr = a.arr(0);
    const idx = a.int(1);
    if (idx < 0 || idx >= arr.length) a.fail(`The index ${idx} is out of bounds of the array.`);
    return arr[idx];
  },
  'States.ArrayLength': (a) => {
    a.arity(1);
    return a.arr(0).length;
  },
  'States.ArrayUnique': (a) => {
    a.arity(1);
    const out: unknown[] = [];
    for (const x of a.arr(0)) if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  },
  'States.Base64Encode': (a) => {
    a.arity(1);
    return Buffer.from(a.str(0), 'utf8').toString('base64');
  },
  'States.Base64Decode': (a) => {
    a.arity(1);
    const s = a.str(0);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) a.fail('The argument is not a valid base64 string.');
    return Buffer.from(s, 'base64').toString('utf8');
  },
  'States.Hash': (a) => {
    a.arity(2);
    const data = a.values[0];
    if (data === null || data === undefined) a.fail('The value of argument 1 must not be null.');
    const algorithm = a.str(1);
    const algo = HASH_ALGORITHMS[algorithm];
    if (!algo) return a.fail(`The hash algorithm '${algorithm}' is not supported. Supported: MD5, SHA-1, SHA-256, SHA-384, SHA-512.`);
    const text = typeof data === 'string' ? data : stringify(data);
    return createHash(algo).update(text, 'utf8').digest('hex');
  },
  'States.JsonMerge': (a) => {
    a.arity(3);
    const [left, right, deep] = a.values;
    if (!isObj(left)) a.fail(`The value of argument 1 must be an object, but was ${typeName(left)}.`);
    if (!isObj(right)) a.fail(`The value of argument 2 must be an object, but was ${typeName(right)}.`);
    if (typeof deep !== 'boolean') a.fail('The value of argument 3 must be a boolean.');
    if (deep) a.fail('Deep merge is not supported; the third argument must be false.');
    return { ...(left as object), ...(right as object) };
  },
  'States.MathRandom': (a) => {
    a.arity(2, 3);
    const start = Math.trunc(a.num(0));
    const end = Math.trunc(a.num(1));
    if (start > end) a.fail('The start value must not be greater than the end value.');
    // "If you use this function with the same seed value, it returns an identical number" (AWS's intrinsic functions page).
    const draw = a.values.length === 3 ? seededRandom(Math.trunc(a.num(2)))() : Math.random();
    return start + Math.floor(draw * (end - start));
  },
  'States.MathAdd': (a) => {
    a.arity(2);
    // AWS rounds each operand half up (towards positive infinity) to an integer
    const round = (v: number) => Math.floor(v + 0.5);
    return round(a.num(0)) + round(a.num(1));
  },
  'States.StringSplit': (a) => {
    a.arity(2);
    return splitString(a.str(0), a.str(1));
  },
  'States.UUID': (a) => {
    a.arity(0);
    return randomUUID();
  },
};

function format(a: CallArgs): string {
  if (a.n < 1) a.fail('The function takes at least 1 argument, but 0 were given.');
  const tpl = a.raw[0];
  let template: string;
  if (isTemplate(tpl)) template = tpl.template;
  else if (typeof tpl === 'string') template = tpl;
  else return a.fail(`The value of argument 1 must be a string, but was ${typeName(tpl)}.`);
  const values = a.raw.slice(1).map(unwrap);
  let out = '';
  let k = 0;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === '\\' && (template[i + 1] === '{' || template[i + 1] === '}')) {
      out += template[i + 1];
      i++;
    } else if (ch === '{' && template[i + 1] === '}') {
      if (k >= values.length) a.fail('The number of arguments does not match the number of placeholders.');
      out += formatValue(values[k++]);
      i++;
    } else out += ch;
  }
  if (k !== values.length) a.fail('The number of arguments does not match the number of placeholders.');
  return out;
}

/** How States.Format prints a value: Java's toString of the parsed JSON. */
function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${formatValue(x)}`)
    .join(', ')}}`;
}

function splitString(s: string, delims: string): string[] {
  if (delims === '') return [s];
  const parts: string[] = [];
  let current = '';
  for (const ch of s) {
    if (delims.includes(ch)) {
      if (current !== '') parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/** The names a call may use; parsing refuses any other. */
export const INTRINSIC_NAMES: ReadonlySet<string> = new Set(Object.keys(INTRINSIC_FUNCTIONS));

/** Runs a parsed call on its evaluated arguments. */
export function callIntrinsic(expr: { name: string; source: string }, rawArgs: unknown[]): unknown {
  if (!Object.hasOwn(INTRINSIC_FUNCTIONS, expr.name)) return fail(expr, 'Unsupported function.');
  const fn = INTRINSIC_FUNCTIONS[expr.name] as (args: CallArgs) => unknown;
  return fn(new CallArgs(expr, rawArgs));
}
