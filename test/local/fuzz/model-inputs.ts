import fc from 'fast-check';
import type { ApiModel, Shape } from '../../../local/endpoint/validation/model.js';

/**
 * Requests generated from a service's model: a valid input (as far as the model can say),
 * then one thing broken on purpose. The generator knows what it broke, so the fuzz tests'
 * oracle does not depend on the validator under test.
 */

/** Values that make a valid input reach the service's logic (a queue that exists, ...), by member name. */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

export interface InputOptions {
  readonly hints?: Hints;
  /** Whether the service enforces its model's enums (SQS leaves attribute names to the operation). */
  readonly enums?: boolean;
}

/** A valid input for a shape; optional members come and go, nesting stops at a few levels. */
export function validValue(model: ApiModel, shapeName: string, options: InputOptions = {}, depth = 0): fc.Arbitrary<unknown> {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const members: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const isRequired = shape.required?.includes(name) ?? false;
        if (!isRequired && depth >= 3) continue;
        const hint = options.hints?.[name];
        members[name] = hint
          ? fc.oneof({ weight: 3, arbitrary: hint }, validValue(model, ref.shape, options, depth + 1))
          : validValue(model, ref.shape, options, depth + 1);
        if (isRequired) required.push(name);
      }
      return fc.record(members, { requiredKeys: required });
    }
    case 'list': {
      const min = shape.min ?? 0;
      const max = Math.min(shape.max ?? 3, Math.max(min, 3));
      return fc.array(validValue(model, shape.member?.shape as string, options, depth + 1), { minLength: min, maxLength: max });
    }
    case 'map': {
      const max = Math.min(shape.max ?? 3, 3);
      return fc.dictionary(
        validValue(model, shape.key?.shape as string, options, depth + 1) as fc.Arbitrary<string>,
        validValue(model, shape.value?.shape as string, options, depth + 1),
        { minKeys: shape.min ?? 0, maxKeys: Math.max(max, shape.min ?? 0) },
      );
    }
    case 'string':
      return validString(shapeName, shape, options);
    case 'integer':
    case 'long':
      return fc.integer({ min: shape.min ?? 0, max: Math.min(shape.max ?? 100, (shape.min ?? 0) + 100) });
    case 'float':
    case 'double':
      return fc.double({ min: shape.min ?? 0, max: shape.max ?? 100, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'timestamp':
      return fc.integer({ min: 1_600_000_000, max: 1_900_000_000 });
    case 'blob':
      return fc
        .uint8Array({ minLength: Math.max(shape.min ?? 0, 1), maxLength: Math.min(shape.max ?? 64, 64) })
        .map((bytes) => Buffer.from(bytes).toString('base64'));
  }
}

function validString(name: string, shape: Shape, options: InputOptions): fc.Arbitrary<string> {
  if (shape.enum && options.enums !== false) return fc.constantFrom(...shape.enum);
  const minLength = shape.min ?? 0;
  const maxLength = Math.min(shape.max ?? 40, minLength + 40);
  // `.*` is any line: its generator keeps texts short, under a minimum such as Lambda's TagsErrorMessage's 84 characters.
  if (shape.pattern === '.*') return fc.string({ minLength, maxLength });
  if (shape.pattern) {
    // A long minimum (Cognito's ClientSecretType: /[\w+]+/ of 24 to 64) is out of reach of the
    // default size's repetitions (about ten): medium repeats up to a hundred.
    const texts = patternTexts(shape.pattern, minLength > 8 ? 'medium' : 'small');
    if (texts !== undefined) {
      // The model's own limits, not the cap above: a pattern's texts are short already, and the
      // shortest may be longer than the cap (SES's ArchiveArn: 66 characters, a Lambda ARN: 48).
      const max = shape.max ?? Number.POSITIVE_INFINITY;
      const fits = (text: string) => text.length >= minLength && text.length <= max;
      return new BoundedFilter(texts, fits, `shape ${name}: no text of /${shape.pattern}/ of ${minLength} to ${max} characters`);
    }
  }
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'grapheme', minLength, maxLength }));
}

/**
 * The texts of a model's pattern, built once per pattern: fast-check enumerates every code point
 * for each `\p{...}` class, up to seconds a pattern, and the fuzzers ask for the same patterns
 * (ARNs, names) operation after operation, file after file of a worker. Undefined for a pattern
 * fast-check cannot generate from (a lookahead): the caller generates any text, which the
 * service may refuse.
 */
export function patternTexts(pattern: string, size: 'small' | 'medium' = 'small'): fc.Arbitrary<string> | undefined {
  const key = `${size} ${pattern}`;
  if (PATTERN_TEXTS.has(key)) return PATTERN_TEXTS.get(key);
  const source = generablePattern(pattern);
  let texts: fc.Arbitrary<string> | undefined;
  try {
    texts = fc.stringMatching(new RegExp(`^(?:${source})$`, pattern.includes('\\p{') ? 'u' : ''), { size });
  } catch {
    // A lookahead or other syntax fast-check refuses: texts stays undefined, as documented above.
  }
  PATTERN_TEXTS.set(key, texts);
  return texts;
}

const PATTERN_TEXTS = new Map<string, fc.Arbitrary<string> | undefined>();

/**
 * The pattern with each class of a property and its complement (`[\P{M}\p{M}]`, Translate's
 * "any text") written as `[\s\S]`: the same texts, without the seconds fast-check spends
 * enumerating both properties over every code point.
 */
export function generablePattern(pattern: string): string {
  return pattern.replace(/\[\\([pP])\{(\w+)\}\\([pP])\{\2\}\]/g, (whole, first: string, _name: string, second: string) =>
    first === second ? whole : '[\\s\\S]',
  );
}

/**
 * fast-check's `filter`, but giving up after some tries: a predicate no generated value meets
 * (a pattern whose texts are all longer than the length allowed) would otherwise loop forever
 * in one synchronous call, where no test timeout can stop it, and stall the whole run.
 */
export class BoundedFilter<T> extends fc.Arbitrary<T> {
  static readonly TRIES = 1000;

  constructor(
    private readonly arbitrary: fc.Arbitrary<T>,
    private readonly predicate: (value: T) => boolean,
    private readonly what: string,
  ) {
    super();
  }

  generate(random: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    for (let tries = 0; tries < BoundedFilter.TRIES; tries++) {
      const value = this.arbitrary.generate(random, biasFactor);
      if (this.predicate(value.value)) return value;
    }
    throw new Error(`${this.what} in ${BoundedFilter.TRIES} tries`);
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.arbitrary.canShrinkWithoutContext(value) && this.predicate(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.arbitrary.shrink(value, context).filter((shrunk) => this.predicate(shrunk.value));
  }
}

function shapeOf(model: ApiModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`no shape ${name}`);
  return shape;
}

/** What was broken, for the failure report. */
export interface Mutated {
  readonly input: unknown;
  /** The request body: the input as JSON, with deep nesting spliced in as text (too deep to build as objects). */
  readonly body: string;
  /** Undefined when the change keeps the input valid as far as the model can tell (extra members, unicode). */
  readonly invalid?: string;
  /** Where the input was broken, when it was. */
  readonly path?: readonly (string | number)[];
}

type Site = { readonly path: readonly (string | number)[]; readonly shape: Shape; readonly value: unknown };

/** Every member present in a valid input, with its shape. */
function sites(model: ApiModel, shapeName: string, value: unknown, path: (string | number)[] = []): Site[] {
  const shape = shapeOf(model, shapeName);
  const found: Site[] = [{ path, shape, value }];
  if (shape.type === 'structure' && isObject(value)) {
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      if (value[name] !== undefined) found.push(...sites(model, ref.shape, value[name], [...path, name]));
    }
  } else if (shape.type === 'list' && Array.isArray(value)) {
    value.forEach((item, index) => {
      found.push(...sites(model, shape.member?.shape as string, item, [...path, index]));
    });
  } else if (shape.type === 'map' && isObject(value)) {
    for (const [key, item] of Object.entries(value)) found.push(...sites(model, shape.value?.shape as string, item, [...path, key]));
  }
  return found;
}

/** Values of every JSON type but the one a shape takes. */
function wrongTypes(shape: Shape): unknown[] {
  switch (shape.type) {
    case 'structure':
    case 'map':
      return ['text', 7, true, ['x']];
    case 'list':
      return ['text', 7, false, { a: 1 }];
    case 'string':
      return [7, 1.5, true, ['x'], { a: 'b' }];
    case 'integer':
    case 'long':
      return ['5', 1.5, true, [1], { n: 1 }];
    case 'float':
    case 'double':
      return ['5', true, [1], {}];
    case 'boolean':
      return ['true', 1, [true], {}];
    case 'timestamp':
      return [true, [1], { t: 1 }];
    case 'blob':
      return [7, true, [1], { b: 1 }];
  }
}

/** The ways a site can be made invalid by construction, from what the model says of it. */
function breakages(shape: Shape, value: unknown, options: InputOptions): [string, unknown][] {
  const out: [string, unknown][] = wrongTypes(shape).map((wrong) => [`wrong type ${JSON.stringify(wrong)}`, wrong]);
  if (shape.type === 'string' && typeof value === 'string') {
    if (shape.max !== undefined && shape.max < 300_000) out.push([`longer than ${shape.max}`, 'x'.repeat(shape.max + 1)]);
    if ((shape.min ?? 0) > 0) out.push([`shorter than ${shape.min}`, '']);
    if (shape.enum && options.enums !== false) out.push(['not in the enum', `${shape.enum[0]}-not`]);
  }
  if (shape.type === 'blob' && shape.max !== undefined && shape.max < 300_000) {
    out.push([`more than ${shape.max} bytes`, Buffer.alloc(shape.max + 1).toString('base64')]);
  }
  if ((shape.type === 'integer' || shape.type === 'long') && typeof value === 'number') {
    if (shape.min !== undefined) out.push([`below ${shape.min}`, shape.min - 1]);
    if (shape.max !== undefined && shape.max < Number.MAX_SAFE_INTEGER) out.push([`above ${shape.max}`, shape.max + 1]);
  }
  if (shape.type === 'list' && Array.isArray(value)) {
    out.push(['a null entry', [...value, null]]);
    if ((shape.min ?? 0) > 0) out.push([`fewer than ${shape.min} entries`, []]);
    if (shape.max !== undefined && value.length > 0 && shape.max < 1000) {
      out.push([`more than ${shape.max} entries`, Array.from({ length: shape.max + 1 }, () => value[0])]);
    }
  }
  return out;
}

/**
 * A valid input with one site broken (a wrong type, a null list entry, a required member
 * removed, a length, range or enum violated), or with something harmless added.
 */
export function mutatedInput(model: ApiModel, operation: string, options: InputOptions = {}): fc.Arbitrary<Mutated> {
  const inputShape = model.operations[operation]?.input;
  if (inputShape === undefined) throw new Error(`${operation} has no input in the model`);
  return fc
    .tuple(validValue(model, inputShape, options), fc.nat(), fc.nat(), harmlessExtra())
    .map(([input, pick, variant, extra]): Mutated => {
      const candidates: { path: readonly (string | number)[]; what: string; value: unknown; remove?: boolean }[] = [];
      const all = sites(model, inputShape, input);
      for (const site of all) {
        const at = site.path.join('.') || '(body)';
        for (const [what, value] of breakages(site.shape, site.value, options))
          candidates.push({ path: site.path, what: `${at}: ${what}`, value });
        if (site.shape.type === 'structure' && isObject(site.value)) {
          for (const name of site.shape.required ?? []) {
            candidates.push({ path: [...site.path, name], what: `${at}: required ${name} removed`, value: undefined, remove: true });
          }
        }
      }
      // A huge text where the model sets no limit: the service may refuse it (a size limit), but never with a 500.
      const unlimited = all.filter((site) => site.shape.type === 'string' && site.shape.max === undefined && !site.shape.enum);
      if (variant % 5 === 1 && unlimited.length > 0) {
        const site = unlimited[pick % unlimited.length] as Site;
        const huge = setAt(input, site.path, '\u00e9x\u{1F600}'.repeat(70_000), false);
        return { input: huge, body: JSON.stringify(huge) };
      }
      // One in five inputs stays valid, with a harmless addition.
      if (variant % 5 === 0 || candidates.length === 0) {
        if (typeof extra === 'number') {
          const nested = `${'['.repeat(extra)}${']'.repeat(extra)}`;
          return {
            input,
            body: `{"ZzDeep":${nested}${JSON.stringify(input).slice(1) === '}' ? '}' : `,${JSON.stringify(input).slice(1)}`}`,
          };
        }
        const extended = isObject(input) ? { ...input, ...extra } : input;
        return { input: extended, body: JSON.stringify(extended) };
      }
      const chosen = candidates[pick % candidates.length] as (typeof candidates)[number];
      const mutated = setAt(input, chosen.path, chosen.value, chosen.remove === true);
      return { input: mutated, body: JSON.stringify(mutated), invalid: chosen.what, path: chosen.path };
    });
}

/** Members the model does not have (AWS ignores them), unicode, or the depth of a deeply nested extra member. */
function harmlessExtra(): fc.Arbitrary<Record<string, unknown> | number> {
  return fc.oneof(
    fc.constant({}),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).map((key) => `Zz${key}`),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 3 },
    ),
    fc.integer({ min: 100, max: 5000 }),
    fc.string({ unit: 'binary', maxLength: 50 }).map((text) => ({ ZzUnicode: text })),
  );
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = setAt(copy[head as number], rest, value, remove);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  if (rest.length === 0 && remove) delete copy[head];
  else copy[head] = setAt(copy[head], rest, value, remove);
  return copy;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Request bodies that are not a JSON object: always refused, never a 500. */
export function garbageBody(): fc.Arbitrary<{ body: string; invalid?: string }> {
  return fc.oneof(
    fc.constantFrom('5', '"text"', '[]', 'true', '[{}]').map((body) => ({ body, invalid: 'a body that is not an object' })),
    fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ body })),
    fc.integer({ min: 1, max: 5000 }).map((depth) => ({ body: '['.repeat(depth) + ']'.repeat(depth), invalid: 'a nested list as body' })),
    fc.integer({ min: 1, max: 2000 }).map((depth) => ({ body: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` })),
    fc.constantFrom('{', '{"a":}', 'nul', '\u0000', '{"a":1}}').map((body) => ({ body, invalid: 'a body that is not JSON' })),
  );
}
