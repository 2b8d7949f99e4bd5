import type { Comparator } from '../expressions/ast.js';
import { TokenReader } from '../token-reader.js';
import type {
  CallNode,
  ConditionNode,
  OperandNode,
  ParsedStatement,
  PathNode,
  ReturningClause,
  StatementNode,
  Target,
  UpdateClause,
  ValueNode,
} from './ast.js';
import { position, StatementError, type Token, tokenize } from './lexer.js';

const COMPARATORS: Readonly<Record<string, Comparator>> = { '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
/** Words that are the grammar's, not attribute names (a name that is one is written in double quotes). */
const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS',
  'BETWEEN',
  'MISSING',
  'NULL',
  'TRUE',
  'FALSE',
  'INSERT',
  'INTO',
  'VALUE',
  'VALUES',
  'UPDATE',
  'SET',
  'REMOVE',
  'DELETE',
  'RETURNING',
  'EXISTS',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'GROUP',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'JOIN',
  'UNION',
  'AS',
  'AT',
  'DISTINCT',
]); // prettier-ignore
/** DynamoDB's limit on a document path's depth, as for expressions. */
const MAX_DEPTH = 32;

/** A rejection DynamoDB words on its own (not "Statement wasn't well formed"). */
export class ProjectionError extends StatementError {}

/** A recursive-descent reader of one statement's tokens. */
class Reader extends TokenReader<Token> {
  parameters = 0;
  depth = 0;

  constructor(text: string) {
    super(tokenize(text));
  }

  isWord(...words: string[]): boolean {
    return this.peek.kind === 'word' && words.includes(this.peek.text.toUpperCase());
  }

  isSymbol(symbol: string): boolean {
    return this.peek.kind === 'symbol' && this.peek.text === symbol;
  }

  accept(word: string): boolean {
    const matches = word.length > 0 && /^[A-Z]/.test(word) ? this.isWord(word) : this.isSymbol(word);
    if (matches) this.at++;
    return matches;
  }

  /** DynamoDB's syntax error, with the position of the token it stopped at. */
  unexpected(token = this.peek): StatementError {
    const what =
      token.kind === 'end'
        ? 'end of statement'
        : token.kind === 'word' && KEYWORDS.has(token.text.toUpperCase())
          ? 'keyword'
          : token.kind === 'symbol'
            ? 'operator'
            : 'term';
    return new StatementError(`Unexpected ${what} at ${position(token)}`);
  }

  /** A name: a word that is not a keyword, or a quoted identifier. */
  name(): string {
    const token = this.peek;
    if (token.kind === 'quoted' || (token.kind === 'word' && !KEYWORDS.has(token.text.toUpperCase()))) {
      this.at++;
      return token.text;
    }
    throw this.unexpected();
  }

  target(): Target {
    const table = this.name();
    if (!this.accept('.')) return { table };
    return { table, index: this.name() };
  }

  path(): PathNode {
    const steps: (string | number)[] = [this.name()];
    for (;;) {
      if (this.accept('.')) steps.push(this.name());
      else if (this.accept('[')) {
        const token = this.next();
        if (token.kind === 'number' && /^[0-9]+$/.test(token.text)) steps.push(Number(token.text));
        else if (token.kind === 'string') steps.push(token.text);
        else throw this.unexpected(token);
        this.expect(']');
      } else break;
      if (steps.length > MAX_DEPTH) throw new StatementError('Nesting Levels have exceeded supported limits');
    }
    return { kind: 'path', steps };
  }

  nested<T>(read: () => T): T {
    if (++this.depth > 64) throw new StatementError('Statement is nested too deeply to parse');
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  /** A value written in the statement: a literal, `?`, a list `[...]`, a tuple `{'k': v}` or a set `<<...>>`. */
  value(): ValueNode {
    const token = this.peek;
    if (token.kind === 'string' || token.kind === 'number' || token.kind === 'parameter') {
      this.next();
      if (token.kind === 'parameter') return { kind: 'parameter', index: this.parameters++ };
      return { kind: token.kind, value: token.text };
    }
    if (token.kind === 'symbol' && token.text === '-' && this.tokens[this.at + 1]?.kind === 'number') {
      this.next();
      return { kind: 'number', value: `-${this.next().text}` };
    }
    if (this.accept('TRUE')) return { kind: 'boolean', value: true };
    if (this.accept('FALSE')) return { kind: 'boolean', value: false };
    if (this.accept('NULL')) return { kind: 'null' };
    if (this.accept('[')) return this.nested(() => ({ kind: 'list', items: this.values(']') }));
    if (this.accept('<<')) return this.nested(() => ({ kind: 'bag', items: this.values('>>') }));
    if (this.accept('{')) return this.nested(() => this.tuple());
    throw this.unexpected();
  }

  values(close: string): ValueNode[] {
    return this.listUntil(close, () => this.value());
  }

  tuple(): ValueNode {
    const entries = this.listUntil('}', (): [string, ValueNode] => {
      const key = this.next();
      if (key.kind !== 'string') throw this.unexpected(key);
      this.expect(':');
      return [key.text, this.value()];
    });
    return { kind: 'tuple', entries };
  }

  isValueStart(): boolean {
    const token = this.peek;
    return (
      ['string', 'number', 'parameter'].includes(token.kind) ||
      this.isWord('TRUE', 'FALSE', 'NULL') ||
      (token.kind === 'symbol' && ['[', '<<', '{'].includes(token.text)) ||
      (token.kind === 'symbol' && token.text === '-' && this.tokens[this.at + 1]?.kind === 'number')
    );
  }

  /** An operand: a value, a path, or a function call. */
  operand(): OperandNode {
    if (this.isValueStart()) return this.value();
    const token = this.peek;
    if (token.kind === 'word' && this.tokens[this.at + 1]?.text === '(' && !KEYWORDS.has(token.text.toUpperCase())) {
      return this.call();
    }
    return this.path();
  }

  call(): CallNode {
    const name = this.next().text.toLowerCase();
    this.expect('(');
    return { kind: 'call', name, args: this.listUntil(')', () => this.operand()) };
  }

  condition(): ConditionNode {
    return this.nested(() => this.junction('or', () => this.conjunction()));
  }

  conjunction(): ConditionNode {
    return this.junction('and', () => this.negation());
  }

  negation(): ConditionNode {
    if (this.accept('NOT')) return this.nested(() => ({ kind: 'not', condition: this.negation() }));
    return this.predicate();
  }

  predicate(): ConditionNode {
    if (this.accept('(')) {
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const left = this.operand();
    const token = this.peek;
    if (token.kind === 'symbol' && COMPARATORS[token.text]) {
      this.next();
      return { kind: 'compare', operator: COMPARATORS[token.text] as Comparator, left, right: this.operand() };
    }
    const negated = this.accept('NOT');
    let condition: ConditionNode | undefined;
    if (this.accept('BETWEEN')) {
      const low = this.operand();
      this.expect('AND');
      condition = { kind: 'between', value: left, low, high: this.operand() };
    } else if (this.accept('IN')) {
      let close = ']';
      if (!this.accept('[')) {
        this.expect('(');
        close = ')';
      }
      const list = this.commaSeparated(() => this.operand());
      this.expect(close);
      condition = { kind: 'in', value: left, list };
    } else if (!negated && this.accept('IS')) {
      const not = this.accept('NOT');
      const what = this.isWord('MISSING', 'NULL') ? (this.next().text.toUpperCase() as 'MISSING' | 'NULL') : undefined;
      if (!what) throw this.unexpected();
      return { kind: 'is', path: left, what, negated: not };
    } else if (!negated && left.kind === 'call') {
      return { kind: 'function', name: left.name, args: left.args };
    }
    if (!condition) throw this.unexpected();
    return negated ? { kind: 'not', condition } : condition;
  }

  /** A SET value: an operand, or two joined by `+` or `-`. */
  setValue(): OperandNode {
    const left = this.operand();
    if (this.isSymbol('+') || this.isSymbol('-')) {
      const operator = this.next().text as '+' | '-';
      return { kind: 'arithmetic', operator, left, right: this.operand() };
    }
    return left;
  }

  where(): ConditionNode | undefined {
    return this.accept('WHERE') ? this.condition() : undefined;
  }

  returning(): ReturningClause | undefined {
    if (!this.accept('RETURNING')) return undefined;
    const which = this.isWord('ALL', 'MODIFIED') ? this.next().text.toUpperCase() : undefined;
    if (!which) throw this.unexpected();
    const when = this.isWord('OLD', 'NEW') ? this.next().text.toUpperCase() : undefined;
    if (!when) throw this.unexpected();
    this.expect('*');
    return `${which} ${when}` as ReturningClause;
  }

  end(): void {
    this.accept(';');
    if (this.peek.kind !== 'end') throw this.unexpected();
  }
}

function select(reader: Reader): StatementNode {
  let projection: PathNode[] | undefined;
  if (!reader.accept('*')) {
    projection = [];
    do {
      const token = reader.peek;
      // DynamoDB's PartiQL has no aggregates: a function where a path goes is its bare rejection.
      if (token.kind === 'word' && reader.tokens[reader.at + 1]?.text === '(') {
        throw new ProjectionError(`Unexpected path component at ${position(token)}`);
      }
      projection.push(reader.path());
    } while (reader.accept(','));
  }
  reader.expect('FROM');
  const target = reader.target();
  const where = reader.where();
  let orderBy: { path: PathNode; descending: boolean }[] | undefined;
  if (reader.accept('ORDER')) {
    reader.expect('BY');
    orderBy = [];
    do {
      const path = reader.path();
      const descending = reader.accept('DESC');
      if (!descending) reader.accept('ASC');
      orderBy.push({ path, descending });
    } while (reader.accept(','));
  }
  return { kind: 'select', target, projection, where, orderBy };
}

function update(reader: Reader): StatementNode {
  const target = reader.target();
  const clauses: UpdateClause[] = [];
  while (reader.isWord('SET', 'REMOVE')) {
    const section = reader.next().text.toUpperCase();
    do {
      const path = reader.path();
      if (section === 'SET') {
        reader.expect('=');
        clauses.push({ kind: 'set', path, value: reader.setValue() });
      } else clauses.push({ kind: 'remove', path });
    } while (reader.accept(','));
  }
  if (clauses.length === 0) throw reader.unexpected();
  return { kind: 'update', target, clauses, where: reader.where(), returning: reader.returning() };
}

/**
 * A PartiQL statement's tree, or a StatementError with DynamoDB's words: a statement that is
 * not SELECT, INSERT, UPDATE, DELETE (or a transaction's EXISTS) is "Expected data
 * manipulation"; any other syntax error names the token it stopped at and its position.
 */
export function parseStatement(text: string): ParsedStatement {
  const reader = new Reader(text);
  const first = reader.peek;
  let statement: StatementNode;
  if (reader.accept('SELECT')) statement = select(reader);
  else if (reader.accept('INSERT')) {
    reader.expect('INTO');
    const intoTable = reader.peek;
    const target = reader.target();
    if (target.index !== undefined) throw reader.unexpected(reader.tokens[reader.tokens.indexOf(intoTable) + 1]);
    reader.expect('VALUE');
    statement = { kind: 'insert', target, item: reader.value() };
  } else if (reader.accept('UPDATE')) statement = update(reader);
  else if (reader.accept('DELETE')) {
    reader.expect('FROM');
    statement = { kind: 'delete', target: reader.target(), where: reader.where(), returning: reader.returning() };
  } else if (reader.isWord('EXISTS', 'NOT')) {
    const negated = reader.accept('NOT');
    reader.expect('EXISTS');
    reader.expect('(');
    reader.expect('SELECT');
    reader.expect('*');
    reader.expect('FROM');
    const target = reader.target();
    const where = reader.where();
    reader.expect(')');
    statement = { kind: 'exists', target, where, negated };
  } else {
    throw first.kind === 'end' ? reader.unexpected(first) : new StatementError('Expected data manipulation');
  }
  reader.end();
  return { statement, parameters: reader.parameters };
}
