import { type CompiledPath, compilePath } from '../../json/jsonpath.js';
import { Errors, StatesError } from './errors.js';
import { callIntrinsic, INTRINSIC_NAMES, isTemplate, Literal, literalString } from './intrinsic-functions.js';
import { stringify } from './json.js';

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

class IntrinsicSyntaxError extends Error {}

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
  const parser = new IntrinsicParser(text);
  const expr = parser.parseExpr();
  parser.ws();
  if (!parser.atEnd() || expr.kind !== 'call') throw new IntrinsicSyntaxError(`Cannot parse intrinsic function: ${text}`);
  return expr;
}

/** A recursive-descent parser over one expression's text; `pos` is where it has read to. */
class IntrinsicParser {
  private pos = 0;

  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.pos === this.src.length;
  }

  ws(): void {
    const src = this.src;
    while (this.pos < src.length && /\s/.test(src[this.pos] as string)) this.pos++;
  }

  parseExpr(): Expr {
    this.ws();
    const c = this.src[this.pos];
    if (c === "'") return this.parseString();
    if (c === '$') return this.parsePath();
    const rest = this.src.slice(this.pos);
    const ident = /^[A-Za-z][A-Za-z0-9.]*/.exec(rest);
    if (
      ident &&
      this.src
        .slice(this.pos + ident[0].length)
        .trimStart()
        .startsWith('(') &&
      ident[0].startsWith('States.')
    )
      return this.parseCall(ident[0]);
    const lit = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(rest);
    if (lit) {
      this.pos += lit[0].length;
      return { kind: 'literal', value: JSON.parse(lit[0]) };
    }
    throw new IntrinsicSyntaxError(`Cannot parse intrinsic function: ${this.src}`);
  }

  private parseString(): Expr {
    const src = this.src;
    this.pos++;
    let value = '';
    while (this.pos < src.length && src[this.pos] !== "'") {
      if (src[this.pos] === '\\' && this.pos + 1 < src.length) {
        const next = src[this.pos + 1] as string;
        // \' \{ \} \\ are the escapes AWS knows; it refuses any other (`\"` among them, its recorded answers)
        if (!"'{}\\".includes(next)) throw new IntrinsicSyntaxError(`Unknown escape sequence \\${next} in ${src}`);
        value += next === '{' || next === '}' ? `\\${next}` : next;
        this.pos += 2;
        continue;
      }
      value += src[this.pos++];
    }
    if (src[this.pos] !== "'") throw new IntrinsicSyntaxError(`Unterminated string in ${src}`);
    this.pos++;
    return { kind: 'string', raw: value };
  }

  /** A path runs to the `,` or `)` that ends the argument, outside brackets and quotes. */
  private parsePath(): Expr {
    const src = this.src;
    const start = this.pos;
    let depth = 0;
    let quote = '';
    while (this.pos < src.length) {
      const ch = src[this.pos] as string;
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === "'" && depth > 0) quote = ch;
      else if (ch === '[' || ch === '(') depth++;
      else if (ch === ']' || (ch === ')' && depth > 0)) depth--;
      else if (depth === 0 && (ch === ',' || ch === ')')) break;
      this.pos++;
    }
    return parsePathReference(src.slice(start, this.pos).trim());
  }

  private parseCall(name: string): Expr {
    const src = this.src;
    const start = this.pos;
    if (!INTRINSIC_NAMES.has(name)) throw new IntrinsicSyntaxError(`Unsupported function: ${name}`);
    this.pos += name.length;
    this.ws();
    this.pos++; // (
    const args: Expr[] = [];
    this.ws();
    if (src[this.pos] === ')') this.pos++;
    else {
      for (;;) {
        args.push(this.parseExpr());
        this.ws();
        if (src[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (src[this.pos] === ')') {
          this.pos++;
          break;
        }
        throw new IntrinsicSyntaxError(`Malformed arguments in ${src}`);
      }
    }
    return { kind: 'call', name, args, source: src.slice(start, this.pos) };
  }
}

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
      const result = callIntrinsic(expr, raw);
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
