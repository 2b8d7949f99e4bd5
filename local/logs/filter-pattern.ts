import { invalidParameter } from './validation.js';

/** Whether one log event's message matches a compiled filter pattern. */
export type MessageMatcher = (message: string) => boolean;

/**
 * Compiles a CloudWatch Logs filter pattern (FilterLogEvents, metric and subscription
 * filters): the empty pattern matches everything; `%regex%` matches by regular expression;
 * `{ $.field = value && ... }` matches JSON events by field; `[a, b=..., ...]` matches
 * space-delimited events by position; anything else is terms: every plain or quoted term
 * must occur, no `-term` may, and of the `?term`s at least one must. Terms are case-sensitive.
 */
export function compileFilterPattern(pattern: string | undefined): MessageMatcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[')) return compileDelimitedPattern(text);
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%')) {
    const regex = compileRegex(text.slice(1, -1));
    return (message) => regex.test(message);
  }
  return compileTerms(text);
}

/**
 * What CloudWatch Logs' filter regexes may contain (its documented subset): letters, digits,
 * the symbols `: _ # = @ / ; , -` and the operators `^ $ ? [ ] { } | \ * + .`; no groups
 * (`()`), no multibyte characters. Without groups no nested quantifier can make a match
 * backtrack exponentially. Spaces are kept, as events are matched on text with them.
 */
const REGEX_CHARACTERS = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+. ]*$/;

function compileRegex(source: string): RegExp {
  if (!REGEX_CHARACTERS.test(source)) throw invalidParameter(`Invalid regex in filter pattern: %${source}%`);
  try {
    return new RegExp(source);
  } catch {
    throw invalidParameter(`Invalid regex in filter pattern: %${source}%`);
  }
}

function compileTerms(text: string): MessageMatcher {
  const all: string[] = [];
  const none: string[] = [];
  const any: string[] = [];
  const token = /([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (const m of text.matchAll(token)) {
    const term = m[2] === undefined ? (m[3] as string) : m[2].replace(/\\(.)/g, '$1');
    if (m[3]?.includes('"')) throw invalidParameter(`Invalid character(s) in term '${m[3]}'`);
    if (m[1] === '-') none.push(term);
    else if (m[1] === '?') any.push(term);
    else all.push(term);
  }
  return (message) =>
    all.every((t) => message.includes(t)) &&
    !none.some((t) => message.includes(t)) &&
    (any.length === 0 || any.some((t) => message.includes(t)));
}

// ---- JSON patterns: { $.a.b[0] = "x" && ($.n > 5 || $.flag IS TRUE) } ----

type Json = unknown;
type Condition = (event: Json) => boolean;
const MISSING = Symbol('missing');

function compileJsonPattern(text: string): MessageMatcher {
  if (!text.endsWith('}')) throw invalidParameter(`Invalid filter pattern: ${text}`);
  const parser = new JsonPatternParser(text.slice(1, -1));
  const condition = parser.parse();
  return (message) => {
    const body = message.trimStart();
    if (!body.startsWith('{') && !body.startsWith('[')) return false;
    let event: Json;
    try {
      event = JSON.parse(body);
    } catch {
      return false;
    }
    return condition(event);
  };
}

class JsonPatternParser {
  #at = 0;
  constructor(private readonly text: string) {}

  parse(): Condition {
    const condition = this.#or();
    this.#space();
    if (this.#at < this.text.length) this.#fail();
    return condition;
  }

  #or(): Condition {
    const parts = [this.#and()];
    while (this.#eat('||')) parts.push(this.#and());
    return parts.length === 1 ? (parts[0] as Condition) : (event) => parts.some((part) => part(event));
  }

  #and(): Condition {
    const parts = [this.#unary()];
    while (this.#eat('&&')) parts.push(this.#unary());
    return parts.length === 1 ? (parts[0] as Condition) : (event) => parts.every((part) => part(event));
  }

  #unary(): Condition {
    if (this.#eat('(')) {
      const inner = this.#or();
      if (!this.#eat(')')) this.#fail();
      return inner;
    }
    return this.#comparison();
  }

  #comparison(): Condition {
    this.#space();
    const selector = /^\$(?:\.[A-Za-z0-9_@$-]+|\[\d+\]|\.\*)*/.exec(this.text.slice(this.#at))?.[0];
    if (!selector || selector === '$') this.#fail();
    this.#at += selector.length;
    const path = [...selector.slice(1).matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
    const read = (event: Json) => select(event, path);
    this.#space();
    const rest = this.text.slice(this.#at);
    const keyword = /^(IS\s+TRUE|IS\s+FALSE|IS\s+NULL|NOT\s+EXISTS|EXISTS)\b/i.exec(rest);
    if (keyword) {
      this.#at += keyword[0].length;
      const which = keyword[1]?.toUpperCase().replace(/\s+/, ' ');
      if (which === 'IS TRUE') return (e) => read(e) === true;
      if (which === 'IS FALSE') return (e) => read(e) === false;
      if (which === 'IS NULL') return (e) => read(e) === null;
      if (which === 'NOT EXISTS') return (e) => read(e) === MISSING;
      return (e) => read(e) !== MISSING;
    }
    const op = /^(!=|<=|>=|=|<|>)/.exec(rest)?.[1];
    if (!op) this.#fail();
    this.#at += op.length;
    const value = this.#value();
    return compare(read, op, value);
  }

  #value(): { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'regex'; regex: RegExp } {
    this.#space();
    const rest = this.text.slice(this.#at);
    const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (quoted) {
      this.#at += quoted[0].length;
      return { kind: 'string', text: (quoted[1] as string).replace(/\\(.)/g, '$1') };
    }
    const regex = /^%([^%]*)%/.exec(rest);
    if (regex) {
      this.#at += regex[0].length;
      return { kind: 'regex', regex: compileRegex(regex[1] as string) };
    }
    const word = /^[^\s()&|"]+/.exec(rest)?.[0];
    if (!word) this.#fail();
    this.#at += word.length;
    const number = Number(word);
    return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(word) && Number.isFinite(number)
      ? { kind: 'number', value: number }
      : { kind: 'string', text: word };
  }

  #eat(token: string): boolean {
    this.#space();
    if (!this.text.startsWith(token, this.#at)) return false;
    this.#at += token.length;
    return true;
  }

  #space(): void {
    while (this.#at < this.text.length && /\s/.test(this.text[this.#at] as string)) this.#at++;
  }

  #fail(): never {
    throw invalidParameter(`Invalid filter pattern: {${this.text}} (at character ${this.#at + 1})`);
  }
}

function select(event: Json, path: readonly (string | number)[]): Json | typeof MISSING {
  let current: Json = event;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return MISSING;
    if (key === '*') return MISSING;
    const next = (current as Record<string | number, Json>)[key];
    if (next === undefined || (typeof key === 'string' && !Object.hasOwn(current, key))) return MISSING;
    current = next;
  }
  return current;
}

function compare(
  read: (event: Json) => Json | typeof MISSING,
  op: string,
  value: { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'regex'; regex: RegExp },
): Condition {
  if (value.kind === 'number') {
    return (event) => {
      const field = read(event);
      const n = typeof field === 'number' ? field : typeof field === 'string' && field.trim() !== '' ? Number(field) : Number.NaN;
      if (Number.isNaN(n)) return false;
      switch (op) {
        case '=':
          return n === value.value;
        case '!=':
          return n !== value.value;
        case '<':
          return n < value.value;
        case '>':
          return n > value.value;
        case '<=':
          return n <= value.value;
        default:
          return n >= value.value;
      }
    };
  }
  if (op !== '=' && op !== '!=') throw invalidParameter(`Invalid filter pattern: ${op} compares numbers only`);
  const matches = value.kind === 'regex' ? (text: string) => value.regex.test(text) : wildcard(value.text);
  return (event) => {
    const field = read(event);
    if (field === MISSING || field === null || typeof field === 'object') return false;
    const equal = matches(String(field));
    return op === '=' ? equal : !equal;
  };
}

/** `*` in a string value matches any run of characters; otherwise the value must be equal. */
function wildcard(text: string): (value: string) => boolean {
  if (!text.includes('*')) return (value) => value === text;
  const regex = new RegExp(`^${text.split('*').map(escapeRegex).join('.*')}$`, 's');
  return (value) => regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- space-delimited patterns: [ip, user, status=4*, size>1000, ...] ----

function compileDelimitedPattern(text: string): MessageMatcher {
  if (!text.endsWith(']')) throw invalidParameter(`Invalid filter pattern: ${text}`);
  const fields = text
    .slice(1, -1)
    .split(',')
    .map((field) => field.trim());
  if (fields.some((f) => f === '')) throw invalidParameter(`Invalid filter pattern: ${text}`);
  const checks = fields.map((field) => {
    if (field === '...') return 'rest' as const;
    const m = /^[\w.]*?\s*(!=|<=|>=|=|<|>)\s*(.+)$/.exec(field);
    if (!m) return undefined;
    const valueText = (m[2] as string).replace(/^"(.*)"$/, '$1');
    const value = /^-?\d+(\.\d+)?$/.test(valueText)
      ? ({ kind: 'number', value: Number(valueText) } as const)
      : ({ kind: 'string', text: valueText } as const);
    return compare((token) => token as string, m[1] as string, value);
  });
  const restAt = checks.indexOf('rest');
  return (message) => {
    const tokens = tokenize(message);
    if (restAt < 0 && tokens.length !== checks.length) return false;
    if (restAt >= 0 && tokens.length < checks.length - 1) return false;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i];
      if (check === 'rest') continue;
      // Fields after `...` line up with the message's last tokens.
      const token = restAt >= 0 && i > restAt ? tokens[tokens.length - (checks.length - i)] : tokens[i];
      if (token === undefined) return false;
      if (check && !check(token)) return false;
    }
    return true;
  };
}

/** A message's space-delimited fields; text in double quotes or square brackets is one field. */
function tokenize(message: string): string[] {
  return [...message.matchAll(/"([^"]*)"|\[([^\]]*)\]|(\S+)/g)].map((m) => m[1] ?? m[2] ?? (m[3] as string));
}

// ---- the fields a pattern names, for metric filters' values and dimensions ----

/** The values of an event's fields by the names metric transformations use: `$.a.b` (JSON) or `$name` (space-delimited). */
export type FieldValues = Readonly<Record<string, string>>;

/** The kind of events a pattern's fields are read from: JSON, space-delimited, or neither (terms, regex: no fields). */
export function patternKind(pattern: string | undefined): 'json' | 'delimited' | 'text' {
  const text = (pattern ?? '').trim();
  return text.startsWith('{') ? 'json' : text.startsWith('[') ? 'delimited' : 'text';
}

/**
 * Reads the fields of a matched event, as TestMetricFilter's `extractedValues` and metric
 * filters' `$` values and dimensions name them: for a JSON pattern, every `$.` selector the
 * pattern or `wanted` names that holds a number, text or boolean; for a space-delimited one,
 * every named position (`$status` of `[ip, user, status=4*, ...]`); none for other patterns.
 */
export function compileFieldReader(pattern: string | undefined, wanted: readonly string[] = []): (message: string) => FieldValues {
  const text = (pattern ?? '').trim();
  const kind = patternKind(text);
  if (kind === 'json') {
    const selectors = [
      ...new Set([...(text.match(/\$(?:\.[A-Za-z0-9_@$-]+|\[\d+\])+/g) ?? []), ...wanted.filter((w) => w.startsWith('$.'))]),
    ];
    const paths = selectors.map((selector) => ({
      selector,
      path: [...selector.slice(1).matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2]))),
    }));
    return (message) => {
      let event: Json;
      try {
        event = JSON.parse(message.trim());
      } catch {
        return {};
      }
      const values: Record<string, string> = {};
      for (const { selector, path } of paths) {
        const value = select(event, path);
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[selector] = String(value);
      }
      return values;
    };
  }
  if (kind === 'delimited') {
    const fields = text
      .slice(1, -1)
      .split(',')
      .map((field) => field.trim());
    const restAt = fields.indexOf('...');
    const names = fields.map((field) => (field === '...' ? undefined : /^([A-Za-z_][\w.]*)/.exec(field)?.[1]));
    return (message) => {
      const tokens = tokenize(message);
      const values: Record<string, string> = {};
      names.forEach((name, i) => {
        if (name === undefined) return;
        const token = restAt >= 0 && i > restAt ? tokens[tokens.length - (fields.length - i)] : tokens[i];
        if (token !== undefined) values[`$${name}`] = token;
      });
      return values;
    };
  }
  return () => ({});
}
