/**
 * JSONPath as AWS's services evaluate it: Jayway JsonPath, Step Functions' (Amazon States
 * Language) and API Gateway's (`$input.path`, `$input.json`, body mappings), and the subset
 * EventBridge documents for input paths and transformers; each service's differences are
 * the options below. Paths are compiled once and cached; evaluation walks plain JSON values.
 * A "definite" path (names and single indexes only) yields one value or nothing; any
 * wildcard, union, slice, deep scan or filter makes it indefinite and it yields a list.
 */

/** How a service reads a path, where it differs from Step Functions' (the default). */
export interface JsonPathOptions {
  /**
   * Only `$`, dot names, `[n]`, `['name']` and the wildcard (`*`, `[*]`): the subset
   * EventBridge documents (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
   * A filter, a deep scan, a union, a slice or `length()` is a syntax error, and `.length()`
   * a name like any other.
   */
  readonly basic?: boolean;
  /**
   * A path that does not start with `$` is read from the root (`name` as `$.name`), as
   * Jayway compiles it (API Gateway's `$input.path('name')`). Step Functions refuses such a
   * path, so by default it is a syntax error.
   */
  readonly implicitRoot?: boolean;
}

type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'union'; keys: (string | number)[] }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number }
  | { kind: 'deep'; inner: Segment }
  | { kind: 'filter'; test: (item: unknown, root: unknown) => boolean }
  | { kind: 'length' };

export interface CompiledPath {
  readonly source: string;
  readonly definite: boolean;
  /** `$.a` -> `$['a']`, the form Jayway names in its error messages. */
  readonly normalized: string;
  /** Returns `undefined` when a definite path matches nothing. */
  evaluate(root: unknown): unknown;
  /**
   * Why a path matches nothing, in Jayway's words: a definite path's property missing before its
   * last is `Missing property in path $['a']` (the path to it); anything else `No results for path: $['a']['b']`.
   */
  notFound(root: unknown, rootName?: string): string;
}

/** A path the service would not compile; `message` names it. */
export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError';
}

const cache = new Map<string, CompiledPath>();

/** @throws JsonPathSyntaxError when the path is not one the service takes */
export function compilePath(source: string, options: JsonPathOptions = {}): CompiledPath {
  const key = `${options.basic ? 'b' : '-'}${options.implicitRoot ? 'i' : '-'}${source}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(source, options);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, compiled);
  }
  return compiled;
}

function compile(source: string, options: JsonPathOptions): CompiledPath {
  const trimmed = source.trim();
  const text = options.implicitRoot && !trimmed.startsWith('$') ? `$.${trimmed}` : trimmed;
  if (!text.startsWith('$')) throw new JsonPathSyntaxError(`Invalid path: ${source}`);
  const segments = parseSegments(text, 1, options.basic === true);
  if (options.basic && !segments.every(isBasic)) throw new JsonPathSyntaxError(`Invalid path: ${source}`);
  const definite = segments.every((s) => s.kind === 'name' || s.kind === 'index' || s.kind === 'length');
  const normalized = `$${segments.map(normalizeSegment).join('')}`;
  return {
    source,
    definite,
    normalized,
    evaluate: definite ? (root) => evaluateDefinite(segments, root) : (root) => evaluateIndefinite(segments, root),
    notFound: (root, rootName = '$') => {
      const missing = definite ? missingProperty(segments, root) : undefined;
      const upTo = segments.slice(0, (missing ?? -1) + 1).map(normalizeSegment);
      return missing === undefined
        ? `No results for path: ${rootName}${normalized.slice(1)}`
        : `Missing property in path ${rootName}${upTo.join('')}`;
    },
  };
}

/** The index of a name segment before the last that an object along a definite path lacks. */
function missingProperty(segments: Segment[], root: unknown): number | undefined {
  let current: unknown = root;
  for (const [i, s] of segments.slice(0, -1).entries()) {
    if (s.kind !== 'name' || !isObject(current)) return undefined;
    if (!Object.hasOwn(current, s.name)) return i;
    current = current[s.name];
  }
  return undefined;
}

/** A segment of EventBridge's subset. */
const isBasic = (s: Segment) => s.kind === 'name' || s.kind === 'index' || s.kind === 'wildcard';

function normalizeSegment(s: Segment): string {
  switch (s.kind) {
    case 'name':
      return `['${s.name}']`;
    case 'index':
      return `[${s.index}]`;
    case 'wildcard':
      return '[*]';
    case 'length':
      return '.length()';
    case 'deep':
      return `..${normalizeSegment(s.inner)}`;
    default:
      return '[?]';
  }
}

/** @param basic `.length()` is a name (EventBridge's subset has no functions) */
function parseSegments(text: string, start: number, basic = false): Segment[] {
  const segments: Segment[] = [];
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') {
        i += 2;
        if (text[i] === '[') {
          const [seg, next] = parseBracket(text, i);
          segments.push({ kind: 'deep', inner: seg });
          i = next;
        } else {
          const [name, next] = readName(text, i);
          segments.push({ kind: 'deep', inner: name === '*' ? { kind: 'wildcard' } : { kind: 'name', name } });
          i = next;
        }
        continue;
      }
      i += 1;
      // Jayway's readDotToken reads whatever token follows the dot: `$.[0].body` is `$[0].body`.
      if (text[i] === '[' && !basic) continue;
      const [name, next] = readName(text, i);
      if (name === '') throw new JsonPathSyntaxError(`Invalid path: ${text}`);
      if (name === '*') segments.push({ kind: 'wildcard' });
      else if (name === 'length()' && next >= text.length && !basic) segments.push({ kind: 'length' });
      else segments.push({ kind: 'name', name });
      i = next;
    } else if (c === '[') {
      const [seg, next] = parseBracket(text, i);
      segments.push(seg);
      i = next;
    } else {
      throw new JsonPathSyntaxError(`Invalid path: ${text}`);
    }
  }
  return segments;
}

function readName(text: string, start: number): [string, number] {
  let i = start;
  while (i < text.length && text[i] !== '.' && text[i] !== '[') {
    if (text[i] === '(' && text.startsWith('()', i)) {
      i += 2;
      continue;
    }
    i++;
  }
  return [text.slice(start, i), i];
}

function parseBracket(text: string, start: number): [Segment, number] {
  // start points at '['
  let i = start + 1;
  if (text[i] === '?') {
    // filter: find the matching closing bracket, respecting quotes and parentheses
    let depth = 0;
    let j = i + 1;
    let quote = '';
    for (; j < text.length; j++) {
      const ch = text[j];
      if (quote) {
        if (ch === '\\') j++;
        else if (ch === quote) quote = '';
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === ']' && depth === 0) break;
    }
    let expr = text.slice(i + 1, j).trim();
    if (expr.startsWith('(') && expr.endsWith(')')) expr = expr.slice(1, -1);
    return [{ kind: 'filter', test: compileFilter(expr) }, j + 1];
  }
  const items: (string | number)[] = [];
  let sliceParts: string[] | undefined;
  let wildcard = false;
  while (i < text.length) {
    while (text[i] === ' ') i++;
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== ch) {
        // Jayway only unescapes the quote that delimits the name
        if (text[j] === '\\' && text[j + 1] === ch) {
          value += ch;
          j += 2;
        } else value += text[j++];
      }
      if (j >= text.length) throw new JsonPathSyntaxError(`Invalid path: ${text}`);
      items.push(value);
      i = j + 1;
    } else if (ch === '*') {
      wildcard = true;
      i++;
    } else {
      let j = i;
      while (j < text.length && text[j] !== ',' && text[j] !== ']') j++;
      const raw = text.slice(i, j).trim();
      if (raw.includes(':')) sliceParts = raw.split(':');
      else {
        if (!/^-?\d+$/.test(raw)) throw new JsonPathSyntaxError(`Invalid path: ${text}`);
        items.push(Number(raw));
      }
      i = j;
    }
    while (text[i] === ' ') i++;
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') {
      i++;
      break;
    }
    throw new JsonPathSyntaxError(`Invalid path: ${text}`);
  }
  if (wildcard) return [{ kind: 'wildcard' }, i];
  if (sliceParts) {
    const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : Number(s));
    return [{ kind: 'slice', start: num(sliceParts[0]), end: num(sliceParts[1]), step: num(sliceParts[2]) ?? 1 }, i];
  }
  if (items.length === 1) {
    const only = items[0] as string | number;
    return [typeof only === 'number' ? { kind: 'index', index: only } : { kind: 'name', name: only }, i];
  }
  return [{ kind: 'union', keys: items }, i];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function evaluateDefinite(segments: Segment[], root: unknown): unknown {
  let current: unknown = root;
  for (const s of segments) {
    if (s.kind === 'name') {
      if (!isObject(current) || !Object.hasOwn(current, s.name)) return undefined;
      current = current[s.name];
    } else if (s.kind === 'index') {
      if (!Array.isArray(current)) return undefined;
      const idx = s.index < 0 ? current.length + s.index : s.index;
      if (idx < 0 || idx >= current.length) return undefined;
      current = current[idx];
    } else if (s.kind === 'length') {
      if (Array.isArray(current)) current = current.length;
      else if (isObject(current)) current = Object.keys(current).length;
      else if (typeof current === 'string') current = current.length;
      else return undefined;
    }
  }
  return current;
}

function step(s: Segment, value: unknown, root: unknown, out: unknown[]): void {
  switch (s.kind) {
    case 'name':
      if (isObject(value) && Object.hasOwn(value, s.name)) out.push(value[s.name]);
      return;
    case 'index':
      if (Array.isArray(value)) {
        const idx = s.index < 0 ? value.length + s.index : s.index;
        if (idx >= 0 && idx < value.length) out.push(value[idx]);
      }
      return;
    case 'wildcard':
      if (Array.isArray(value)) out.push(...value);
      else if (isObject(value)) out.push(...Object.values(value));
      return;
    case 'union':
      for (const key of s.keys)
        step(typeof key === 'number' ? { kind: 'index', index: key } : { kind: 'name', name: key }, value, root, out);
      return;
    case 'slice': {
      if (!Array.isArray(value)) return;
      const len = value.length;
      const norm = (n: number | undefined, dflt: number) => (n === undefined ? dflt : n < 0 ? Math.max(0, len + n) : Math.min(n, len));
      const from = norm(s.start, 0);
      const to = norm(s.end, len);
      for (let k = from; k < to; k += Math.max(1, s.step)) out.push(value[k]);
      return;
    }
    case 'filter':
      if (Array.isArray(value)) {
        for (const item of value) if (s.test(item, root)) out.push(item);
      } else if (isObject(value)) {
        for (const item of Object.values(value)) if (s.test(item, root)) out.push(item);
      }
      return;
    case 'deep': {
      const visit = (v: unknown) => {
        step(s.inner, v, root, out);
        if (Array.isArray(v)) for (const c of v) visit(c);
        else if (isObject(v)) for (const c of Object.values(v)) visit(c);
      };
      visit(value);
      return;
    }
    case 'length':
      if (Array.isArray(value)) out.push(value.length);
      return;
  }
}

function evaluateIndefinite(segments: Segment[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const s of segments) {
    const next: unknown[] = [];
    for (const v of current) step(s, v, root, next);
    current = next;
  }
  return current;
}

/** Filter expressions: comparisons of `@`/`$` paths and literals joined by `&&`, `||`, `!`. */
function compileFilter(expr: string): (item: unknown, root: unknown) => boolean {
  const tokens = tokenizeFilter(expr);
  let pos = 0;
  type Node = (item: unknown, root: unknown) => unknown;
  const peek = () => tokens[pos];
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek() === '||') {
      pos++;
      const l = left;
      const r = parseAnd();
      left = (i, rt) => truthy(l(i, rt)) || truthy(r(i, rt));
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseCmp();
    while (peek() === '&&') {
      pos++;
      const l = left;
      const r = parseCmp();
      left = (i, rt) => truthy(l(i, rt)) && truthy(r(i, rt));
    }
    return left;
  };
  const parseCmp = (): Node => {
    const left = parseUnary();
    const op = peek();
    if (op && ['==', '!=', '<', '<=', '>', '>=', '=~'].includes(op)) {
      pos++;
      const right = parseUnary();
      return (i, rt) => compare(op, left(i, rt), right(i, rt));
    }
    return (i, rt) => {
      const v = left(i, rt);
      return v !== undefined && v !== false && v !== null;
    };
  };
  const parseUnary = (): Node => {
    const t = tokens[pos++];
    if (t === undefined) throw new JsonPathSyntaxError(`Invalid filter: ${expr}`);
    if (t === '!') {
      const inner = parseUnary();
      return (i, rt) => !truthy(inner(i, rt));
    }
    if (t === '(') {
      const inner = parseOr();
      pos++;
      return inner;
    }
    if (t.startsWith('@') || t.startsWith('$')) {
      const path = compilePath(`$${t.slice(1)}`);
      const fromRoot = t.startsWith('$');
      return (i, rt) => path.evaluate(fromRoot ? rt : i);
    }
    if (t.startsWith("'") || t.startsWith('"')) {
      const s = t.slice(1, -1);
      return () => s;
    }
    if (t.startsWith('/')) {
      const last = t.lastIndexOf('/');
      const re = new RegExp(t.slice(1, last), t.slice(last + 1));
      return () => re;
    }
    if (t === 'true' || t === 'false') {
      const b = t === 'true';
      return () => b;
    }
    if (t === 'null') return () => null;
    const n = Number(t);
    if (Number.isNaN(n)) throw new JsonPathSyntaxError(`Invalid filter: ${expr}`);
    return () => n;
  };
  const node = parseOr();
  return (item, root) => truthy(node(item, root));
}

const truthy = (v: unknown) => v === true;

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '=~') return b instanceof RegExp && typeof a === 'string' && b.test(a);
  if (op === '==') return deepEqual(a, b);
  if (op === '!=') return !deepEqual(a, b);
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  return false;
}

function tokenizeFilter(expr: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === ' ') {
      i++;
      continue;
    }
    const two = expr.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||', '=~'].includes(two)) {
      tokens.push(two);
      i += 2;
      continue;
    }
    if ('<>!()'.includes(c)) {
      tokens.push(c);
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' ? 2 : 1;
      tokens.push(expr.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === '/') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== '/') j += expr[j] === '\\' ? 2 : 1;
      j++;
      while (j < expr.length && /[a-z]/.test(expr[j] as string)) j++;
      tokens.push(expr.slice(i, j));
      i = j;
      continue;
    }
    if (c === '@' || c === '$') {
      let j = i + 1;
      let depth = 0;
      while (j < expr.length) {
        const ch = expr[j] as string;
        if (ch === '[') depth++;
        else if (ch === ']') depth--;
        else if (depth === 0 && (ch === ' ' || '=!<>&|)'.includes(ch))) break;
        j++;
      }
      tokens.push(expr.slice(i, j));
      i = j;
      continue;
    }
    let j = i;
    while (j < expr.length && !' =!<>&|()'.includes(expr[j] as string)) j++;
    tokens.push(expr.slice(i, j));
    i = j;
  }
  return tokens;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}
