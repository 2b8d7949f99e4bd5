/**
 * The tokens of DynamoDB's PartiQL statements, each with where it starts (line and column,
 * from 1) and its length, so that an error names the position as DynamoDB does
 * (`line:column:length`, as in its `Unexpected path component at 1:8:5`).
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol' | 'parameter' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** A word as written, a quoted identifier or string without its quotes, a symbol. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly length: number;
}

/** A statement that does not parse: DynamoDB's ValidationException text without its envelope. */
export class StatementError extends Error {
  override readonly name = 'StatementError';
}

const SYMBOLS = ['<<', '>>', '<=', '>=', '<>', '!=', '=', '<', '>', '(', ')', '[', ']', '{', '}', ',', '.', ':', '*', '+', '-', ';'];

export function position(token: Pick<Token, 'line' | 'column' | 'length'>): string {
  return `${token.line}:${token.column}:${token.length}`;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let line = 1;
  let lineStart = 0;
  const push = (kind: TokenKind, value: string, start: number, end: number) =>
    tokens.push({ kind, text: value, line, column: start - lineStart + 1, length: end - start });
  while (at < text.length) {
    const c = text[at] as string;
    if (c === '\n') {
      at++;
      line++;
      lineStart = at;
      continue;
    }
    if (/\s/.test(c)) {
      at++;
      continue;
    }
    const start = at;
    if (c === "'" || c === '"') {
      // A quote inside is written twice ('it''s', "a""b").
      let value = '';
      at++;
      for (;;) {
        if (at >= text.length) {
          throw new StatementError(
            `Unterminated ${c === "'" ? 'string literal' : 'quoted identifier'} at ${line}:${start - lineStart + 1}:1`,
          );
        }
        const d = text[at] as string;
        if (d === c && text[at + 1] === c) {
          value += c;
          at += 2;
        } else if (d === c) {
          at++;
          break;
        } else {
          value += d;
          at++;
        }
      }
      push(c === "'" ? 'string' : 'quoted', value, start, at);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (at < text.length && /[A-Za-z0-9_$]/.test(text[at] as string)) at++;
      push('word', text.slice(start, at), start, at);
      continue;
    }
    if (/[0-9]/.test(c)) {
      const number = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(text.slice(at)) as RegExpExecArray;
      at += number[0].length;
      push('number', number[0], start, at);
      continue;
    }
    if (c === '?') {
      at++;
      push('parameter', '?', start, at);
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, at));
    if (symbol === undefined) throw new StatementError(`Unexpected character at ${line}:${start - lineStart + 1}:1`);
    at += symbol.length;
    push('symbol', symbol, start, at);
  }
  tokens.push({ kind: 'end', text: '', line, column: at - lineStart + 1, length: 0 });
  return tokens;
}
