/**
 * The tokens of DynamoDB's expressions (condition, filter, key condition, update,
 * projection), with where each starts, so that a syntax error names the token and the text
 * around it as DynamoDB does: `Syntax error; token: ":", near: "hits : incr"`.
 */
export type TokenKind = 'name' | 'attributeName' | 'attributeValue' | 'number' | 'symbol' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Raised for an expression that does not parse: the caller prefixes `Invalid <Which>Expression: `. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

const SYMBOLS = ['<=', '>=', '<>', '=', '<', '>', '(', ')', '[', ']', ',', '.', '+', '-'];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at] as string;
    if (/\s/.test(c)) {
      at++;
      continue;
    }
    const start = at;
    if (c === '#' || c === ':') {
      at++;
      while (at < text.length && /[A-Za-z0-9_]/.test(text[at] as string)) at++;
      if (at === start + 1) throw syntaxError(text, tokens, { kind: 'symbol', text: c, start, end: at }, following(text, at));
      tokens.push({ kind: c === '#' ? 'attributeName' : 'attributeValue', text: text.slice(start, at), start, end: at });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (at < text.length && /[A-Za-z0-9_]/.test(text[at] as string)) at++;
      tokens.push({ kind: 'name', text: text.slice(start, at), start, end: at });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (at < text.length && /[0-9]/.test(text[at] as string)) at++;
      tokens.push({ kind: 'number', text: text.slice(start, at), start, end: at });
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, at));
    if (symbol === undefined) throw syntaxError(text, tokens, { kind: 'symbol', text: c, start, end: at + 1 }, following(text, at + 1));
    at += symbol.length;
    tokens.push({ kind: 'symbol', text: symbol, start, end: at });
  }
  tokens.push({ kind: 'end', text: '<EOF>', start: text.length, end: text.length });
  return tokens;
}

/** The token after a character the tokenizer stopped at (a word, or one character), for the error's `near`. */
function following(text: string, from: number): Token | undefined {
  let start = from;
  while (start < text.length && /\s/.test(text[start] as string)) start++;
  if (start >= text.length) return undefined;
  let end = start + 1;
  if (/[#:A-Za-z0-9_]/.test(text[start] as string)) while (end < text.length && /[A-Za-z0-9_]/.test(text[end] as string)) end++;
  return { kind: 'name', text: text.slice(start, end), start, end };
}

/**
 * DynamoDB's syntax error: the token it stopped at, and the text from the token before it to
 * the token after it.
 */
export function syntaxError(text: string, tokens: readonly Token[], bad: Token, next?: Token): ExpressionError {
  const previous = [...tokens].reverse().find((t) => t.end <= bad.start && t.kind !== 'end');
  const from = previous?.start ?? bad.start;
  const to = next && next.kind !== 'end' ? next.end : bad.end;
  return new ExpressionError(`Syntax error; token: "${bad.text}", near: "${text.slice(from, to)}"`);
}
