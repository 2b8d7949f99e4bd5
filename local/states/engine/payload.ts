import { Errors, StatesError } from './errors.js';
import {
  type Expr,
  evaluateIntrinsic,
  looksLikeIntrinsic,
  parseIntrinsic,
  parsePathReference,
  resolvePath,
  type Scope,
} from './intrinsics.js';
import { stringify } from './json.js';

/**
 * JSONPath payload templates (Parameters, ResultSelector, ItemSelector, Assign in JSONPath
 * states): keys ending in `.$` take their value from a path or an intrinsic function, the
 * rest are literals. Compiled once into a function of the scope.
 */
export type Payload = (scope: Scope) => unknown;

export class PayloadSyntaxError extends Error {}

export function compilePayload(template: unknown): Payload {
  if (!hasDynamic(template)) return () => template;
  if (Array.isArray(template)) {
    const items = template.map(compilePayload);
    return (scope) => items.map((f) => f(scope));
  }
  const entries: [string, Payload][] = [];
  for (const [key, value] of Object.entries(template as Record<string, unknown>)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string')
        throw new PayloadSyntaxError(`The value for the field '${key}' must be a STRING that contains a JSONPath but was ${typeof value}`);
      entries.push([key.slice(0, -2), compileDynamic(value, key)]);
    } else entries.push([key, compilePayload(value)]);
  }
  return (scope) => {
    const out: Record<string, unknown> = {};
    for (const [k, f] of entries) out[k] = f(scope);
    return out;
  };
}

/** A `.$` value: a reference path or an intrinsic function call. */
export function compileDynamic(value: string, field: string): Payload {
  let expr: Expr;
  if (looksLikeIntrinsic(value)) {
    try {
      expr = parseIntrinsic(value);
    } catch (e) {
      // AWS's words name the field only; what the parser stopped at is the cause
      throw new PayloadSyntaxError(`The value for the field '${field}' must be a valid JSONPath or a valid intrinsic function call`, {
        cause: e,
      });
    }
    return (scope) => evaluateIntrinsic(expr, scope, field);
  }
  if (!value.trim().startsWith('$'))
    throw new PayloadSyntaxError(`The value for the field '${field}' must be a valid JSONPath or a valid intrinsic function call`);
  let path: Extract<Expr, { kind: 'path' }>;
  try {
    path = parsePathReference(value);
  } catch (e) {
    throw new PayloadSyntaxError(`The value for the field '${field}' must be a valid JSONPath: ${(e as Error).message}`);
  }
  return (scope) => resolvePath(path, scope, field);
}

function hasDynamic(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasDynamic);
  if (typeof v === 'object' && v !== null) return Object.entries(v).some(([k, x]) => k.endsWith('.$') || hasDynamic(x));
  return false;
}

/**
 * InputPath / OutputPath / ItemsPath and the `*Path` fields: a reference path whose
 * absence is a runtime error, in Jayway's words.
 */
export interface ReferencePath {
  readonly source: string;
  /** `undefined` when nothing matches. */
  resolve(scope: Scope): unknown;
  /** Why nothing matches, in Jayway's words (`No results for path: $['a']`). */
  notFound(scope: Scope): string;
}

export function compileReferencePath(source: string): ReferencePath {
  const expr = parsePathReference(source);
  const root = (scope: Scope): { found: boolean; value?: unknown } => {
    if (expr.root === 'variable') return scope.variable(expr.variable as string);
    return { found: true, value: expr.root === 'context' ? scope.context : scope.input };
  };
  return {
    source,
    resolve(scope) {
      const { found, value } = root(scope);
      return found ? expr.path.evaluate(value) : undefined;
    },
    notFound(scope) {
      // Jayway names a context path from `$$`.
      return expr.path.notFound(root(scope).value, expr.root === 'context' ? '$$' : '$');
    },
  };
}

export function requirePath(path: ReferencePath, scope: Scope): unknown {
  const v = path.resolve(scope);
  if (v === undefined) throw new StatesError(Errors.Runtime, `Invalid path '${path.source}' : ${path.notFound(scope)}`);
  return v;
}

/** ResultPath: where the result goes into a copy of the raw input. */
export type ResultPathApply = (input: unknown, result: unknown) => unknown;

export function compileResultPath(source: string | null | undefined): ResultPathApply {
  if (source === null) return (input) => input;
  if (source === undefined || source.trim() === '$') return (_input, result) => result;
  const keys = parseResultPath(source);
  return (input, result) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new StatesError(Errors.ResultPathMatchFailure, `Unable to apply ResultPath "${source}" to input "${stringify(input)}"`);
    const root: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    let node: Record<string, unknown> = root;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i] as string;
      const child = node[k];
      let copy: Record<string, unknown>;
      if (child === undefined || child === null) copy = {};
      else if (typeof child === 'object' && !Array.isArray(child)) copy = { ...(child as Record<string, unknown>) };
      else throw new StatesError(Errors.ResultPathMatchFailure, `Unable to apply ResultPath "${source}" to input "${stringify(input)}"`);
      node[k] = copy;
      node = copy;
    }
    node[keys[keys.length - 1] as string] = result;
    return root;
  };
}

function parseResultPath(source: string): string[] {
  const text = source.trim();
  if (!text.startsWith('$')) throw new PayloadSyntaxError(`Invalid ResultPath: ${source}`);
  const keys: string[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === '.') {
      let j = i + 1;
      while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
      const name = text.slice(i + 1, j);
      if (!name || name === '*') throw new PayloadSyntaxError(`Invalid ResultPath: ${source}`);
      keys.push(name);
      i = j;
    } else if (text[i] === '[') {
      const q = text[i + 1];
      if (q !== "'" && q !== '"') throw new PayloadSyntaxError(`Invalid ResultPath: ${source}`);
      const end = text.indexOf(`${q}]`, i + 2);
      if (end < 0) throw new PayloadSyntaxError(`Invalid ResultPath: ${source}`);
      keys.push(text.slice(i + 2, end));
      i = end + 2;
    } else throw new PayloadSyntaxError(`Invalid ResultPath: ${source}`);
  }
  return keys;
}
