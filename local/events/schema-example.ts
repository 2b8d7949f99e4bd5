/**
 * Minimal example values for JSON Schemas (draft-04, as the EventBridge schema registry holds
 * them, and the draft-06+ keywords TypeBox writes): what the start-up report's `put-events`
 * hint sends, so that the app's own consumers, which validate against the same schema,
 * accept it, and what the local Bedrock's simulated model answers a structured output or a
 * forced tool with. Only what a schema requires is filled in; local `$ref`s (`#/$defs/...`,
 * `#/definitions/...`) are followed; undefined where nothing is known.
 */

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value for each `format` the registry's and ajv-formats' vocabularies name. */
const FORMATS: Readonly<Record<string, string>> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'someone@example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

/** Nested deeper than this, a schema is not followed (a recursive one would never end). */
const MAX_DEPTH = 32;

/**
 * The schema a local `$ref` names in `root` (`#`, or a JSON pointer after it such as
 * `#/$defs/Item`), or undefined when it names nothing there (another document, a missing member).
 */
export function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined; // a malformed escape names nothing
  }
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = root;
  for (const token of pointer.slice(1).split('/')) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The smallest value the schema accepts that this knows how to build, or undefined; `root` is the document its `$ref`s point into. */
export function exampleOf(schema: unknown, depth = 0, root: unknown = schema): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return undefined;
  if (typeof schema.$ref === 'string') {
    // Draft 2019-09 and later apply a $ref's siblings too: here they override what it names.
    const { $ref, ...siblings } = schema;
    const target = resolveRef(root, $ref);
    return isSchema(target) ? exampleOf({ ...target, ...siblings }, depth + 1, root) : undefined;
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      for (const branch of branches) {
        const value = exampleOf(branch, depth + 1, root);
        if (value !== undefined) return value;
      }
    }
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((part) => exampleOf({ ...schema, allOf: undefined, ...(part as Schema) }, depth + 1, root));
    return parts.every(isSchema) ? Object.assign({}, ...parts) : parts.find((part) => part !== undefined);
  }
  const types = [schema.type].flat().filter((type): type is string => typeof type === 'string' && type !== 'null');
  const type = types[0] ?? (isSchema(schema.properties) || Array.isArray(schema.required) ? 'object' : undefined);
  switch (type) {
    case 'object':
      return objectExample(schema, depth, root);
    case 'array':
      return arrayExample(schema, depth, root);
    case 'string':
      return stringExample(schema);
    case 'integer':
    case 'number':
      return numberExample(schema, type === 'integer');
    case 'boolean':
      return true;
    default:
      return [schema.type].flat().includes('null') ? null : undefined;
  }
}

function objectExample(schema: Schema, depth: number, root: unknown): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const example: Record<string, unknown> = {};
  for (const name of Array.isArray(schema.required) ? schema.required : []) {
    if (typeof name !== 'string') continue;
    const value = exampleOf(Object.hasOwn(properties, name) ? properties[name] : {}, depth + 1, root);
    // defineProperty, not assignment: a member named `__proto__` is a member like any other.
    Object.defineProperty(example, name, {
      value: value === undefined ? 'example' : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return example;
}

function arrayExample(schema: Schema, depth: number, root: unknown): unknown[] {
  const count = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const items = schema.items;
  return Array.from({ length: count }, (_, index) => {
    const value = exampleOf(Array.isArray(items) ? items[index] : items, depth + 1, root);
    return value === undefined ? 'example' : value; // null is a value (`enum: [null]`)
  });
}

function stringExample(schema: Schema): string {
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined;
  let text = format ?? (pattern === undefined ? 'example' : (patternExample(pattern) ?? 'example'));
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (text.length > max) text = text.slice(0, max);
  if (text.length < min) text = text.padEnd(min, pattern === undefined ? 'x' : (text.at(-1) ?? 'x'));
  return text;
}

function numberExample(schema: Schema, integer: boolean): number {
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : integer ? 1 : undefined;
  // Draft-04 spells an exclusive bound as a boolean next to minimum/maximum, draft-06+ as a number of its own.
  const low =
    typeof schema.exclusiveMinimum === 'number'
      ? { value: schema.exclusiveMinimum, open: true }
      : typeof schema.minimum === 'number'
        ? { value: schema.minimum, open: schema.exclusiveMinimum === true }
        : undefined;
  const high =
    typeof schema.exclusiveMaximum === 'number'
      ? { value: schema.exclusiveMaximum, open: true }
      : typeof schema.maximum === 'number'
        ? { value: schema.maximum, open: schema.exclusiveMaximum === true }
        : undefined;
  let value = 0;
  if (low !== undefined && (value < low.value || (low.open && value === low.value))) value = low.value;
  else if (high !== undefined && (value > high.value || (high.open && value === high.value))) value = high.value;
  if (step !== undefined) {
    const rounded = Math.ceil(value / step) * step;
    value = low?.open && rounded === low.value ? rounded + step : rounded;
    if (high !== undefined && (value > high.value || (high.open && value === high.value))) value -= step;
  } else if (low?.open && value === low.value) value += 1;
  else if (high?.open && value === high.value) value -= 1;
  return value;
}

/**
 * A string the pattern matches, for the patterns contracts write (anchors, literals,
 * classes, groups with alternatives, quantifiers); undefined for anything else, or when the
 * result does not match after all.
 */
export function patternExample(pattern: string): string | undefined {
  let result: string | undefined;
  try {
    const regex = new RegExp(pattern, 'u');
    result = new PatternSampler(pattern).sample();
    if (result === undefined || !regex.test(result)) return undefined;
  } catch {
    return undefined;
  }
  return result;
}

/** Walks a regular expression and spells the first string of each part, the fewest times its quantifier allows. */
class PatternSampler {
  #at = 0;

  constructor(private readonly source: string) {}

  sample(): string | undefined {
    const text = this.#alternatives();
    return this.#at === this.source.length ? text : undefined;
  }

  /** The first alternative of a sequence `a|b|c`, up to a closing parenthesis or the end. */
  #alternatives(): string | undefined {
    const first = this.#sequence();
    while (this.source[this.#at] === '|') {
      this.#at++;
      if (this.#sequence() === undefined) return undefined;
    }
    return first;
  }

  #sequence(): string | undefined {
    let text = '';
    while (this.#at < this.source.length && this.source[this.#at] !== '|' && this.source[this.#at] !== ')') {
      const atom = this.#atom();
      if (atom === undefined) return undefined;
      const times = this.#quantifier();
      if (times === undefined) return undefined;
      text += atom.repeat(times);
    }
    return text;
  }

  #atom(): string | undefined {
    const char = this.source[this.#at++];
    switch (char) {
      case '^':
      case '$':
        return '';
      case '.':
        return 'a';
      case '(': {
        if (this.source[this.#at] === '?') {
          if (this.source[this.#at + 1] !== ':') return undefined;
          this.#at += 2;
        }
        const inner = this.#alternatives();
        if (this.source[this.#at++] !== ')') return undefined;
        return inner;
      }
      case '[':
        return this.#characterClass();
      case '\\':
        return this.#escape(this.source[this.#at++]);
      default:
        return char === undefined || '*+?{'.includes(char) ? undefined : char;
    }
  }

  #escape(char: string | undefined): string | undefined {
    if (char === undefined) return undefined;
    if (char === 'd') return '0';
    if (char === 'w') return 'a';
    if (char === 's') return ' ';
    return /[A-Za-z0-9]/.test(char) ? undefined : char;
  }

  /** The first character a class `[...]` accepts; undefined for a negated class. */
  #characterClass(): string | undefined {
    if (this.source[this.#at] === '^') return undefined;
    let first: string | undefined;
    while (this.#at < this.source.length && this.source[this.#at] !== ']') {
      const char = this.source[this.#at++];
      const value = char === '\\' ? this.#escape(this.source[this.#at++]) : char;
      first ??= value;
    }
    if (this.source[this.#at++] !== ']') return undefined;
    return first;
  }

  /** How many times the atom before is repeated: the least its quantifier allows. */
  #quantifier(): number | undefined {
    const char = this.source[this.#at];
    let times = 1;
    if (char === '?' || char === '*') {
      this.#at++;
      times = 0;
    } else if (char === '+') this.#at++;
    else if (char === '{') {
      const match = /^\{(\d+)(,\d*)?\}/.exec(this.source.slice(this.#at));
      if (match === null) return undefined;
      this.#at += match[0].length;
      times = Number(match[1]);
    }
    if (this.source[this.#at] === '?') this.#at++;
    return times;
  }
}
