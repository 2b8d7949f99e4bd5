import Ajv from 'ajv';
import fc from 'fast-check';
import Type, { type TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import * as contracts from '../../contracts/index.js';
import { compileSchema } from '../../contracts/schema-check.js';
import * as domain from '../../domain/index.js';

/** What the contracts validated with before: the checker must agree with it exactly. */
const ajv = new Ajv({ allErrors: true, strict: true });

function ajvErrors(schema: TSchema, value: unknown) {
  const validate = ajv.compile(schema);
  if (validate(value)) return null;
  return (validate.errors ?? []).map(({ keyword, instancePath, params, message }) => ({ keyword, instancePath, params, message }));
}

function checkerErrors(schema: TSchema, value: unknown) {
  const errors = compileSchema(schema)(value);
  return errors === null ? null : errors.map(({ keyword, instancePath, params, message }) => ({ keyword, instancePath, params, message }));
}

function isSchema(value: unknown): value is TSchema {
  return typeof value === 'object' && value !== null && ('type' in value || 'anyOf' in value || 'enum' in value);
}

/** Every schema the package and the reference app export, directly or as a contract's `schema`. */
function exportedSchemas(): Array<[string, TSchema]> {
  const found = new Map<string, TSchema>();
  for (const [name, value] of [...Object.entries(contracts), ...Object.entries(domain)]) {
    if (isSchema(value)) found.set(name, value);
    const schema = (value as { schema?: unknown } | null)?.schema;
    if (typeof value === 'object' && isSchema(schema)) found.set(name, schema);
    if (Array.isArray(value)) {
      for (const item of value) {
        const inner = (item as { detailType?: string; schema?: unknown } | null)?.schema;
        if (isSchema(inner)) found.set(`${name}:${(item as { detailType?: string }).detailType}`, inner);
      }
    }
  }
  return [...found.entries()];
}

/** Schemas that use every keyword the checker knows, in the combinations TypeBox makes. */
const KEYWORD_SCHEMAS: Array<[string, TSchema]> = [
  [
    'strings',
    Type.Object({
      id: Type.String({ minLength: 1, maxLength: 4 }),
      code: Type.Optional(Type.String({ pattern: '^[A-Z]{2}-\\d+$' })),
      emoji: Type.Optional(Type.String({ maxLength: 2 })),
    }),
  ],
  [
    'numbers',
    Type.Object({
      n: Type.Integer({ minimum: 1, maximum: 10 }),
      x: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
      m: Type.Optional(Type.Number({ multipleOf: 0.5 })),
    }),
  ],
  [
    'unions and literals',
    Type.Object(
      {
        kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
        choice: Type.Optional(Type.Enum(['x', 'y'])),
        either: Type.Optional(Type.Union([Type.String({ minLength: 2 }), Type.Integer({ minimum: 0 })])),
        nullable: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      },
      { additionalProperties: false },
    ),
  ],
  [
    'arrays and records',
    Type.Object({
      tags: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 3, uniqueItems: true }),
      counts: Type.Optional(Type.Record(Type.String(), Type.Integer())),
      anything: Type.Optional(Type.Unknown()),
      flag: Type.Optional(Type.Boolean()),
      nested: Type.Optional(Type.Array(Type.Object({ q: Type.Integer() }, { additionalProperties: false }))),
    }),
  ],
];

/** JSON values, with objects that often carry the property names the schemas use. */
const names = fc.constantFrom(
  'id',
  'code',
  'emoji',
  'n',
  'x',
  'm',
  'kind',
  'choice',
  'either',
  'nullable',
  'tags',
  'counts',
  'q',
  'a/b',
  'ticketId',
  'extra',
);
const leaf = fc.oneof(
  fc.constantFrom('a', 'b', 'x', '', 'AB-12', 'ab', '😀😀', '😀😀😀', 'toString', 0, 1, 0.5, 1.5, 10, 11, -1, true, false, null),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(names, tie('node'), { maxKeys: 5 }),
})).node;

/** A valid-looking start (from a known-valid value) with one property replaced, removed or added. */
function mutations(valid: Record<string, unknown>) {
  return fc.tuple(fc.constantFrom(...Object.keys(valid), 'extra'), fc.oneof(value, fc.constant(undefined))).map(([key, replacement]) => {
    const copy: Record<string, unknown> = { ...valid };
    if (replacement === undefined) delete copy[key];
    else copy[key] = replacement;
    return copy;
  });
}

describe('compileSchema', () => {
  const all = [...exportedSchemas(), ...KEYWORD_SCHEMAS];

  it('finds the contracts and app schemas it compares', () => {
    expect(exportedSchemas().length).toBeGreaterThan(15);
  });

  it.each(all)('gives the verdict and errors ajv gives for %s, on generated values', (_name, schema) => {
    fc.assert(
      fc.property(value, (v) => {
        expect(checkerErrors(schema, v)).toEqual(ajvErrors(schema, v));
      }),
      { numRuns: 300 },
    );
  });

  it.each(KEYWORD_SCHEMAS)('gives the errors ajv gives for %s, on values one change away from valid', (name, schema) => {
    const valid: Record<string, Record<string, unknown>> = {
      strings: { id: 'ab', code: 'AB-1', emoji: '😀😀' },
      numbers: { n: 3, x: 0.5, m: 1.5 },
      'unions and literals': { kind: 'a', choice: 'x', either: 3, nullable: null },
      'arrays and records': { tags: ['a', 'b'], counts: { a: 1 }, anything: [1], flag: true, nested: [{ q: 1 }] },
    };
    const start = valid[name] ?? {};
    expect(checkerErrors(schema, start)).toBeNull();
    fc.assert(
      fc.property(mutations(start), (v) => {
        expect(checkerErrors(schema, v)).toEqual(ajvErrors(schema, v));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses keywords it does not implement, as ajv in strict mode refuses unknown ones', () => {
    expect(() => compileSchema({ type: 'string', format: 'date-time' })).toThrow(/unknown keyword: "format"/);
    expect(() => compileSchema({ type: 'object', frobnicate: true })).toThrow(/unknown keyword: "frobnicate"/);
  });
});
