import type { JunctionNode } from './expressions/ast.js';

/**
 * The cursor both of DynamoDB's recursive-descent readers move over their tokens (the
 * expressions' and PartiQL's): each token list ends with an `end` token, which is never
 * passed; what a reader accepts and how it words a syntax error are its own.
 */
export abstract class TokenReader<T extends { readonly kind: string; readonly text: string }> {
  at = 0;

  constructor(readonly tokens: readonly T[]) {}

  get peek(): T {
    return this.tokens[this.at] as T;
  }

  next(): T {
    const token = this.peek;
    if (token.kind !== 'end') this.at++;
    return token;
  }

  /** Whether the next token is this symbol or keyword; taken if so. */
  abstract accept(text: string): boolean;

  /** The syntax error for `token` (the next one when not given). */
  abstract unexpected(token?: T): Error;

  expect(text: string): void {
    if (!this.accept(text)) throw this.unexpected();
  }

  /** One item or more, separated by commas (an IN list). */
  commaSeparated<I>(item: () => I): I[] {
    const items: I[] = [];
    do items.push(item());
    while (this.accept(','));
    return items;
  }

  /** Conditions joined by AND or OR, nested from the left: `a AND b AND c` is `(a AND b) AND c`. */
  junction<C>(kind: 'and' | 'or', item: () => C): C {
    let left = item();
    // Each reader's condition type holds JunctionNode of itself, which TypeScript cannot state as a bound on C.
    while (this.accept(kind.toUpperCase())) left = { kind, left, right: item() } satisfies JunctionNode<C> as C;
    return left;
  }

  /** Items separated by commas up to `close`, which is taken (a call's arguments, a list's items); none when `close` comes first. */
  listUntil<I>(close: string, item: () => I): I[] {
    if (this.accept(close)) return [];
    const items = this.commaSeparated(item);
    this.expect(close);
    return items;
  }
}
