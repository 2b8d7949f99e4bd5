import { TokenReader } from '../token-reader.js';
import type { CallNode, Comparator, Condition, Operand, PathNode, PathStep, UpdateAction } from './ast.js';
import { ExpressionError, syntaxError, type Token, tokenize } from './tokens.js';

const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const UPDATE_SECTIONS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
/** DynamoDB's limit on a document path's depth. */
const MAX_DEPTH = 32;

/** An expression's tokens; an empty expression has none DynamoDB reads. */
function tokensOf(text: string): Token[] {
  if (text.trim() === '') throw new ExpressionError('The expression can not be empty;');
  return tokenize(text);
}

/** A recursive-descent reader of one expression's tokens. */
class Reader extends TokenReader<Token> {
  constructor(readonly text: string) {
    super(tokensOf(text));
  }

  /** Whether the next token is this symbol or (case-insensitive) keyword; taken if so. */
  accept(text: string): boolean {
    const token = this.peek;
    const matches = token.kind === 'symbol' ? token.text === text : token.kind === 'name' && token.text.toUpperCase() === text;
    if (matches) this.at++;
    return matches;
  }

  unexpected(token = this.peek): ExpressionError {
    return syntaxError(this.text, this.tokens, token, this.tokens[this.tokens.indexOf(token) + 1]);
  }

  end(): void {
    if (this.peek.kind !== 'end') throw this.unexpected();
  }

  isKeyword(...words: string[]): boolean {
    return this.peek.kind === 'name' && words.includes(this.peek.text.toUpperCase());
  }

  /** A document path: `a.b[1].#c`. */
  path(): PathNode {
    const steps: PathStep[] = [this.pathName()];
    for (;;) {
      if (this.accept('.')) steps.push(this.pathName());
      else if (this.peek.text === '[' && this.peek.kind === 'symbol') {
        this.next();
        const index = this.next();
        if (index.kind !== 'number') throw this.unexpected(index);
        this.expect(']');
        steps.push({ index: Number(index.text) });
      } else break;
      if (steps.length > MAX_DEPTH) throw new ExpressionError('Nesting Levels have exceeded supported limits');
    }
    return { kind: 'path', steps };
  }

  pathName(): PathStep {
    const token = this.next();
    if (token.kind === 'attributeName') return { name: token.text, placeholder: true };
    if (token.kind === 'name') return { name: token.text, placeholder: false };
    throw this.unexpected(token);
  }

  /** An operand: a path, a `:value`, or a function call (`size(a)`, and in SET `list_append(...)`, `if_not_exists(...)`). */
  operand(): Operand {
    const token = this.peek;
    if (token.kind === 'attributeValue') {
      this.next();
      return { kind: 'value', name: token.text };
    }
    if (token.kind === 'name' && this.tokens[this.at + 1]?.text === '(') return this.call();
    if (token.kind === 'name' || token.kind === 'attributeName') return this.path();
    throw this.unexpected();
  }

  call(): CallNode {
    const name = this.next().text;
    this.expect('(');
    return { kind: 'call', name, args: this.listUntil(')', () => this.operand()) };
  }

  condition(): Condition {
    return this.junction('or', () => this.conjunction());
  }

  conjunction(): Condition {
    return this.junction('and', () => this.negation());
  }

  negation(): Condition {
    if (this.accept('NOT')) return { kind: 'not', condition: this.negation() };
    return this.predicate();
  }

  predicate(): Condition {
    if (this.peek.kind === 'symbol' && this.peek.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      if (inner.kind === 'parens') throw new ExpressionError('The expression has redundant parentheses;');
      return { kind: 'parens', condition: inner };
    }
    const left = this.operand();
    const token = this.peek;
    if (token.kind === 'symbol' && COMPARATORS.has(token.text)) {
      this.next();
      return { kind: 'compare', operator: token.text as Comparator, left, right: this.operand() };
    }
    if (this.accept('BETWEEN')) {
      const low = this.operand();
      this.expect('AND');
      return { kind: 'between', value: left, low, high: this.operand() };
    }
    if (this.accept('IN')) {
      this.expect('(');
      const list = this.commaSeparated(() => this.operand());
      this.expect(')');
      if (list.length > 100) {
        throw new ExpressionError(`The IN operator is provided with too many operands; number of operands: ${list.length}`);
      }
      return { kind: 'in', value: left, list };
    }
    if (left.kind === 'call') return { kind: 'function', name: left.name, args: left.args };
    throw this.unexpected();
  }

  /** A SET value: an operand, or two joined by `+` or `-`. */
  setValue(): Operand {
    const left = this.operand();
    if (this.peek.kind === 'symbol' && (this.peek.text === '+' || this.peek.text === '-')) {
      const operator = this.next().text as '+' | '-';
      return { kind: 'arithmetic', operator, left, right: this.operand() };
    }
    return left;
  }
}

/** A condition, filter or key condition expression's tree. */
export function parseCondition(text: string): Condition {
  const reader = new Reader(text);
  const condition = reader.condition();
  reader.end();
  return condition;
}

/** A projection expression's paths. */
export function parseProjection(text: string): PathNode[] {
  const reader = new Reader(text);
  const paths: PathNode[] = [];
  do paths.push(reader.path());
  while (reader.accept(','));
  reader.end();
  return paths;
}

/** An update expression's actions, in the order written, each section at most once. */
export function parseUpdate(text: string): UpdateAction[] {
  const reader = new Reader(text);
  const actions: UpdateAction[] = [];
  const seen = new Set<string>();
  do {
    const token = reader.next();
    const section = token.text.toUpperCase();
    if (token.kind !== 'name' || !UPDATE_SECTIONS.has(section)) throw reader.unexpected(token);
    if (seen.has(section)) throw new ExpressionError(`The "${section}" section can only be used once in an update expression;`);
    seen.add(section);
    do {
      const path = reader.path();
      if (section === 'SET') {
        reader.expect('=');
        actions.push({ section, path, value: reader.setValue() });
      } else if (section === 'REMOVE') actions.push({ section, path });
      else actions.push({ section: section as 'ADD' | 'DELETE', path, value: reader.operand() });
    } while (reader.accept(','));
  } while (reader.peek.kind !== 'end');
  return actions;
}
