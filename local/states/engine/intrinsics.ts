import { createHash, randomUUID } from 'node:crypto';
import { Errors, StatesError } from './errors.js';
import { stringify } from './json.js';
import { type CompiledPath, compilePath, deepEqual } from './jsonpath.js';

/**
 * The `States.*` intrinsic functions of JSONPath states. An expression is parsed once
 * into a tree; evaluation resolves its paths against the state input (`$`), the context
 * object (`$$`) or a variable (`$name`).
 */

export type Expr =
  | { kind: 'literal'; value: unknown }
  /** A quoted string; it keeps `\\{`/`\\}` until States.Format or unwrapping consumes them. */
  | { kind: 'string'; raw: string }
  | { kind: 'path'; root: 'input' | 'context' | 'variable'; variable?: string; path: CompiledPath; source: string }
  | { kind: 'call'; name: string; args: Expr[]; source: string };

export interface Scope {
  input: unknown;
  context: unknown;
  variable(name: string): { found: boolean; value?: unknown };
}

export class IntrinsicSyntaxError extends Error {}

const FUNCTIONS = new Set([
  'States.Format',
  'States.StringToJson',
  'States.JsonToString',
  'States.Array',
  'States.ArrayPartition',
  'States.ArrayContains',
  'States.ArrayRange',
  'States.ArrayGetItem',
  'States.ArrayLength',
  'States.ArrayUnique',
  'States.Base64Encode',
  'States.Base64Decode',
  'States.Hash',
  'States.JsonMerge',
  'States.MathRandom',
  'States.MathAdd',
  'States.StringSplit',
  'States.UUID',
]);

export const looksLikeIntrinsic = (s: string) => /^\s*States\.[A-Za-z0-9]+\s*\(/.test(s);

/** Parses a reference path: `$`, `$.x`, `$$.x`, `$var.x`. */
export function parsePathReference(text: string): Extr {
  const source = text.trim();
  if (source.startsWith('$$')) return { kind: 'path', root: 'context', path: compilePath(source.slice(1)), source };
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$/s.exec(source);
  if (m) return { kind: 'path', root: 'variable', variable: m[1] as string, path: compilePath(`$${m[2] ?? ''}`), source };
  return { kind: 'path', root: 'input', path: compilePath(source), source };
}
type Extr = Extract<Expr, { kind: 'path' }>;

export function parseIntrinsic(text: string): Expr {
  let pos = 0;
  const src = text;
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
  };
  const parseExpr = (): Expr => {
    ws();
    const c = src[pos];
    if (c === "'") {
      pos++;
      let value = '';
      while (pos < src.length && src[pos] !== "'") {
        if (src[pos] === '\\' && pos + 1 < src.length) {
          const next = src[pos + 1] as string;
          // \' \{ \} \\ are the escapes AWS knows; a lone backslash stays
          if ("'{}\\".includes(next)) {
            value += next === '{' || next === '}' ? `\\${next}` : next;
            pos += 2;
            continue;
          }
        }
        value += src[pos++];
      }
      if (src[pos] !== "'") throw new IntrinsicSyntaxError(`Unterminated string in ${text}`);
      pos++;
      return { kind: 'string', raw: value };
    }
    if (c === '$') {
      const start = pos;
      let depth = 0;
      let quote = '';
      while (pos < src.length) {
        const ch = src[pos] as string;
        if (quote) {
          if (ch === quote) quote = '';
        } else if (ch === "'" && depth > 0) quote = ch;
        else if (ch === '[' || ch === '(') depth++;
        else if (ch === ']' || (ch === ')' && depth > 0)) depth--;
        else if (depth === 0 && (ch === ',' || ch === ')')) break;
        pos++;
      }
      return parsePathReference(src.slice(start, pos).trim());
    }
    const ident = /^[A-Za-z][A-Za-z0-9.]*/.exec(src.slice(pos));
    if (
      ident &&
      src
        .slice(pos + ident[0].length)
        .trimStart()
        .startsWith('(') &&
      ident[0].startsWith('States.')
    ) {
      const name = ident[0];
      const start = pos;
      if (!FUNCTIONS.has(name)) throw new IntrinsicSyntaxError(`Unsupported function: ${name}`);
      pos += name.length;
      ws();
      pos++; // (
      const args: Expr[] = [];
      ws();
      if (src[pos] === ')') pos++;
      else {
        for (;;) {
          args.push(parseExpr());
          ws();
          if (src[pos] === ',') {
            pos++;
            continue;
          }
          if (src[pos] === ')') {
            pos++;
            break;
          }
          throw new IntrinsicSyntaxError(`Malformed arguments in ${text}`);
        }
      }
      return { kind: 'call', name, args, source: src.slice(start, pos) };
    }
    const lit = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(src.slice(pos));
    if (lit) {
      pos += lit[0].length;
      return { kind: 'literal', value: JSON.parse(lit[0]) };
    }
    throw new IntrinsicSyntaxError(`Cannot parse intrinsic function: ${text}`);
  };
  const expr = parseExpr();
  ws();
  if (pos !== src.length || expr.kind !== 'call') throw new IntrinsicSyntaxError(`Cannot parse intrinsic function: ${text}`);
  return expr;
}

class Literal {
  constructor(readonly template: string) {}
}
const isTemplate = (v: unknown): v is Literal => v instanceof Literal;
const literalString = (value: Literal) => value.template.replace(/\\([{}])/g, '$1');

export function evaluateIntrinsic(expr: Expr, scope: Scope, field: string): unknown {
  return evaluate(expr, scope, field);
}

function evaluate(expr: Expr, scope: Scope, field: string): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'string':
      return new Literal(expr.raw);
    case 'path':
      return resolvePath(expr, scope, field);
    case 'call': {
      const raw = expr.args.map((a) => evaluate(a, scope, field));
      const result = call(expr, raw, scope);
      return isTemplate(result) ? literalString(result) : result;
    }
  }
}

export function resolvePath(expr: Extr, scope: Scope, field: string): unknown {
  let root: unknown;
  if (expr.root === 'input') root = scope.input;
  else if (expr.root === 'context') root = scope.context;
  else {
    const v = scope.variable(expr.variable as string);
    if (!v.found)
      throw new StatesError(
        Errors.Runtime,
        `The JSONPath '${expr.source}' specified for the field '${field}' could not be found in the input '${stringify(scope.input)}'`,
      );
    root = v.value;
  }
  const value = expr.path.evaluate(root);
  if (value === undefined)
    throw new StatesError(
      Errors.Runtime,
      `The JSONPath '${expr.source}' specified for the field '${field}' could not be found in the input '${stringify(scope.input)}'`,
    );
  return value;
}

const fail = (expr: { source: string }, message: string): never => {
  throw new StatesError(Errors.IntrinsicFailure, `The function '${expr.source}' had the following error: ${message}`);
};

const unwrap = (v: unknown) => (isTemplate(v) ? literalString(v) : v);

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

function call(expr: Extract<Expr, { kind: 'call' }>, rawArgs: unknown[], _scope: Scope): unknown {
  const args = expr.name === 'States.Format' ? rawArgs : rawArgs.map(unwrap);
  const n = args.length;
  const arity = (min: number, max = min) => {
    if (n < min || n > max)
      fail(
        expr,
        min === max
          ? `The function takes exactly ${min} argument${min === 1 ? '' : 's'}, but ${n} were given.`
          : `The function takes between ${min} and ${max} arguments, but ${n} were given.`,
      );
  };
  const str = (i: number, what = 'string') => {
    const v = args[i];
    if (typeof v !== 'string') fail(expr, `The value of argument ${i + 1} must be a ${what}, but was ${typeName(v)}.`);
    return v as string;
  };
  const int = (i: number) => {
    const v = args[i];
    if (typeof v !== 'number' || !Number.isInteger(v))
      fail(expr, `The value of argument ${i + 1} must be an integer, but was ${stringify(v)}.`);
    return v as number;
  };
  const arr = (i: number) => {
    const v = args[i];
    if (!Array.isArray(v)) fail(expr, `The value of argument ${i + 1} must be an array, but was ${typeName(v)}.`);
    return v as unknown[];
  };
  switch (expr.name) {
    case 'States.Format': {
      if (n < 1) fail(expr, 'The function takes at least 1 argument, but 0 were given.');
      const tpl = rawArgs[0];
      let template: string;
      if (isTemplate(tpl)) template = tpl.template;
      else if (typeof tpl === 'string') template = tpl;
      else return fail(expr, `The value of argument 1 must be a string, but was ${typeName(tpl)}.`);
      const values = rawArgs.slice(1).map(unwrap);
      let out = '';
      let k = 0;
      for (let i = 0; i < template.length; i++) {
        const ch = template[i];
        if (ch === '\\' && (template[i + 1] === '{' || template[i + 1] === '}')) {
          out += template[i + 1];
          i++;
        } else if (ch === '{' && template[i + 1] === '}') {
          if (k >= values.length) fail(expr, 'The number of arguments does not match the number of placeholders.');
          out += formatValue(values[k++]);
          i++;
        } else out += ch;
      }
      if (k !== values.length) fail(expr, 'The number of arguments does not match the number of placeholders.');
      return out;
    }
    case 'States.StringToJson': {
      arity(1);
      const s = str(0).trim();
      if (s === '') return null;
      try {
        return JSON.parse(s);
      } catch {
        return fail(expr, `The argument '${s}' could not be parsed as JSON.`);
      }
    }
    case 'States.JsonToString':
      arity(1);
      return stringify(args[0]);
    case 'States.Array':
      return args;
    case 'States.ArrayPartition': {
      arity(2);
      const a = arr(0);
      const size = int(1);
      if (size <= 0) fail(expr, `The chunk size must be greater than zero, but was ${size}.`);
      const out: unknown[][] = [];
      for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains': {
      arity(2);
      const a = arr(0);
      return a.some((x) => deepEqual(x, args[1]));
    }
    case 'States.ArrayRange': {
      arity(3);
      const start = int(0);
      const end = int(1);
      const stepBy = int(2);
      if (stepBy === 0) fail(expr, 'The step value cannot be zero.');
      const out: number[] = [];
      if (stepBy > 0) for (let i = start; i <= end; i += stepBy) out.push(i);
      else for (let i = start; i >= end; i += stepBy) out.push(i);
      if (out.length > 1000) fail(expr, 'The array size cannot exceed 1000 elements.');
      return out;
    }
    case 'States.ArrayGetItem': {
      arity(2);
      const a = arr(0);
      const idx = int(1);
      if (idx < 0 || idx >= a.length) fail(expr, `The index ${idx} is out of bounds of the array.`);
      return a[idx];
    }
    case 'States.ArrayLength':
      arity(1);
      return arr(0).length;
    case 'States.ArrayUnique': {
      arity(1);
      const out: unknown[] = [];
      for (const x of arr(0)) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    case 'States.Base64Encode':
      arity(1);
      return Buffer.from(str(0), 'utf8').toString('base64');
    case 'States.Base64Decode': {
      arity(1);
      const s = str(0);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) fail(expr, 'The argument is not a valid base64 string.');
      return Buffer.from(s, 'base64').toString('utf8');
    }
    case 'States.Hash': {
      arity(2);
      const data = args[0];
      if (data === null || data === undefined) fail(expr, 'The value of argument 1 must not be null.');
      const algorithm = str(1);
      const algos: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
      const a = algos[algorithm];
      if (!a) return fail(expr, `The hash algorithm '${algorithm}' is not supported. Supported: MD5, SHA-1, SHA-256, SHA-384, SHA-512.`);
      const text = typeof data === 'string' ? data : stringify(data);
      return createHash(a).update(text, 'utf8').digest('hex');
    }
    case 'States.JsonMerge': {
      arity(3);
      const [a, b, deep] = args;
      const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
      if (!isObj(a)) fail(expr, `The value of argument 1 must be an object, but was ${typeName(a)}.`);
      if (!isObj(b)) fail(expr, `The value of argument 2 must be an object, but was ${typeName(b)}.`);
      if (typeof deep !== 'boolean') fail(expr, 'The value of argument 3 must be a boolean.');
      if (deep) fail(expr, 'Deep merge is not supported; the third argument must be false.');
      return { ...(a as object), ...(b as object) };
    }
    case 'States.MathRandom': {
      arity(2, 3);
      const num = (i: number) => {
        const v = args[i];
        if (typeof v !== 'number') fail(expr, `The value of argument ${i + 1} must be a number, but was ${typeName(v)}.`);
        return Math.trunc(v as number);
      };
      const start = num(0);
      const end = num(1);
      if (start > end) fail(expr, 'The start value must not be greater than the end value.');
      return start + Math.floor(Math.random() * (end - start));
    }
    case 'States.MathAdd': {
      arity(2);
      const num = (i: number) => {
        const v = args[i];
        if (typeof v !== 'number') fail(expr, `The value of argument ${i + 1} must be a number, but was ${typeName(v)}.`);
        // AWS rounds each operand half up (towards positive infinity) to an integer
        return Math.floor((v as number) + 0.5);
      };
      return num(0) + num(1);
    }
    case 'States.StringSplit': {
      arity(2);
      const s = str(0);
      const delims = str(1);
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
    case 'States.UUID':
      arity(0);
      return randomUUID();
    default:
      return fail(expr, 'Unsupported function.');
  }
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
