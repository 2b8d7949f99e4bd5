import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { seededRandom } from '../../random/seeded-random.js';
import { Errors, StatesError } from './errors.js';
import { stringify } from './json.js';

/**
 * JSONata in Step Functions: `{% expr %}` strings, evaluated with `$states` and the
 * execution's variables bound, plus the functions AWS adds ($partition, $range, $hash,
 * $random, $uuid, $parse). Each expression is compiled once per definition.
 */

export interface JsonataScope {
  states: Record<string, unknown>;
  variables: Record<string, unknown>;
}

export interface CompiledJsonata {
  readonly text: string;
  evaluate(scope: JsonataScope, field: string): Promise<unknown>;
}

export const isJsonataTemplate = (v: unknown): v is string =>
  typeof v === 'string' && v.startsWith('{%') && v.endsWith('%}') && v.length >= 4;

const cache = new Map<string, CompiledJsonata>();

/** Compiles the text inside `{% %}`; throws the JSONata syntax error as is. */
export function compileJsonata(template: string): CompiledJsonata {
  let compiled = cache.get(template);
  if (compiled) return compiled;
  const text = template.slice(2, -2).trim();
  const expression = jsonata(text);
  registerAwsFunctions(expression);
  compiled = {
    text,
    async evaluate(scope, field) {
      let result: unknown;
      try {
        result = await expression.evaluate(null, { ...scope.variables, states: scope.states });
      } catch (e) {
        const err = e as { code?: string; message?: string };
        if (e instanceof StatesError) throw e;
        const detail = err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The JSONata expression '${text}' specified for the field '${field}' threw an error during evaluation. ${detail}`,
          field,
        );
      }
      if (result === undefined)
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The JSONata expression '${text}' specified for the field '${field}' returned nothing (undefined).`,
          field,
        );
      const plain = toJson(result);
      if (plain === UNSUPPORTED)
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The JSONata expression '${text}' specified for the field '${field}' returned an unsupported result type.`,
          field,
        );
      return plain;
    },
  };
  if (cache.size > 10_000) cache.clear();
  cache.set(template, compiled);
  return compiled;
}

const UNSUPPORTED = Symbol('unsupported');

/** Copies a JSONata result into plain JSON (sequences become arrays, functions are refused). */
function toJson(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : UNSUPPORTED;
  if (typeof v === 'function') return UNSUPPORTED;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      if (x === undefined) continue;
      const c = toJson(x);
      if (c === UNSUPPORTED) return UNSUPPORTED;
      out.push(c);
    }
    return out;
  }
  if (typeof v === 'object') {
    if ((v as { _jsonata_lambda?: boolean })._jsonata_lambda || (v as { _jsonata_function?: boolean })._jsonata_function)
      return UNSUPPORTED;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      const c = toJson(x);
      if (c === UNSUPPORTED) return UNSUPPORTED;
      out[k] = c;
    }
    return out;
  }
  return UNSUPPORTED;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function registerAwsFunctions(expression: jsonata.Expression): void {
  expression.registerFunction(
    'partition',
    (array: unknown, size: unknown) => {
      if (!Array.isArray(array)) throw jsonataError('The first argument of $partition must be an array.');
      if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0)
        throw jsonataError('The second argument of $partition must be a positive integer.');
      const out: unknown[][] = [];
      for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
      return out;
    },
    '<an:a>',
  );
  expression.registerFunction(
    'range',
    (start: number, end: number, step: number) => {
      if (![start, end, step].every((n) => Number.isInteger(n))) throw jsonataError('The arguments of $range must be integers.');
      if (step === 0) throw jsonataError('The step of $range cannot be zero.');
      const out: number[] = [];
      if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
      else for (let i = start; i >= end; i += step) out.push(i);
      if (out.length > 1000) throw jsonataError('The result of $range cannot exceed 1000 elements.');
      // AWS returns a JSONata sequence, which collapses to its only element
      return out.length === 1 ? out[0] : out;
    },
    '<nnn:a>',
  );
  expression.registerFunction(
    'hash',
    (value: unknown, algorithm: string) => {
      const a = HASHES[algorithm];
      if (!a) throw jsonataError(`The hash algorithm '${algorithm}' is not supported.`);
      return createHash(a)
        .update(typeof value === 'string' ? value : stringify(value), 'utf8')
        .digest('hex');
    },
    '<js:s>',
  );
  expression.registerFunction('random', (seed?: number) => (seed === undefined ? Math.random() : seededRandom(seed)()), '<n?:n>');
  expression.registerFunction('uuid', () => randomUUID(), '<:s>');
  expression.registerFunction(
    'parse',
    (text: string) => {
      try {
        return JSON.parse(text);
      } catch {
        throw jsonataError(`The argument of $parse is not valid JSON: ${text}`);
      }
    },
    '<s:j>',
  );
}

const jsonataError = (message: string) => Object.assign(new Error(message), { code: 'D3000' });

/**
 * A JSONata-mode field value: strings that are `{% %}` templates are evaluated, objects
 * and arrays are walked, other values are literals. Compiled once into a function.
 */
export type JsonataTemplate = (scope: JsonataScope) => Promise<unknown>;

export function compileJsonataValue(value: unknown, field: string): JsonataTemplate {
  if (isJsonataTemplate(value)) {
    const compiled = compileJsonata(value);
    return (scope) => compiled.evaluate(scope, field);
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileJsonataValue(v, `${field}[${i}]`));
    if (!containsTemplate(value)) return async () => value;
    return async (scope) => {
      const out: unknown[] = [];
      for (const item of items) out.push(await item(scope));
      return out;
    };
  }
  if (typeof value === 'object' && value !== null) {
    if (!containsTemplate(value)) return async () => value;
    const entries = Object.entries(value).map(([k, v]) => [k, compileJsonataValue(v, `${field}/${k}`)] as const);
    return async (scope) => {
      const out: Record<string, unknown> = {};
      for (const [k, fn] of entries) out[k] = await fn(scope);
      return out;
    };
  }
  return async () => value;
}

function containsTemplate(value: unknown): boolean {
  if (isJsonataTemplate(value)) return true;
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsTemplate);
  return false;
}
