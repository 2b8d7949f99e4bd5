import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelRequest } from '../../../local/bedrock/conversation.js';
import { resolveModel } from '../../../local/bedrock/model-ids.js';
import { exampleJson, jsonPieces, schemaMismatch } from '../../../local/bedrock/structured-output.js';
import { CONVERSE_API, checkStructuredOutput, complexity, schemaProblem } from '../../../local/bedrock/structured-schema.js';
import { AwsError } from '../../../local/endpoint/aws-error.js';

type Schema = Record<string, unknown>;

const FORMATS = ['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid'];
const PATTERNS = ['^[a-z]+$', '^[A-Z]{2}-\\d{3}$', '^(yes|no)$', '^\\d+(\\.\\d+)?$', '^[a-z0-9._-]+@[a-z]+\\.[a-z]{2,}$'];
// No `__proto__`: ajv, the oracle here, refuses it as a member of an object (tested on its own below).
const KEYS = ['id', 'name', 'items', 'constructor', 'toString', 'a b', 'ünï'];

const primitive = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));

/** Schemas in the subset Bedrock's structured outputs compile: every type, enum, const, formats, simple patterns, anyOf, nullable unions, minItems 0 or 1, closed objects. */
const { schema: subsetSchema } = fc.letrec<{ schema: Schema; leaf: Schema; object: Schema }>((tie) => ({
  leaf: fc.oneof(
    fc.constantFrom<Schema>({ type: 'string' }, { type: 'integer' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }),
    fc.constantFrom(...FORMATS).map((format) => ({ type: 'string', format })),
    fc.constantFrom(...PATTERNS).map((pattern) => ({ type: 'string', pattern })),
    fc.uniqueArray(primitive, { minLength: 1, maxLength: 4, selector: (v) => JSON.stringify(v) }).map((values) => ({ enum: values })),
    primitive.map((value) => ({ const: value })),
    fc.constantFrom('string', 'integer', 'boolean').map((type) => ({ type: [type, 'null'] })),
  ),
  object: fc
    .dictionary(fc.constantFrom(...KEYS), tie('schema'), { maxKeys: 4 })
    .chain((properties) =>
      fc.subarray(Object.keys(properties)).map((required) => ({ type: 'object', properties, required, additionalProperties: false })),
    ),
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    tie('object'),
    fc.record({ type: fc.constant('array'), items: tie('schema'), minItems: fc.constantFrom(0, 1) }),
    fc.tuple(tie('schema'), tie('schema')).map(([a, b]) => ({ anyOf: [a, b] })),
  ),
}));

/** A closed object root, with one member through a `$ref` into `$defs`, as flows write them. */
const rootSchema = fc.tuple(subsetSchema, subsetSchema).map(
  ([member, shared]): Schema => ({
    type: 'object',
    properties: { result: member, shared: { $ref: '#/$defs/shared' } },
    required: ['result', 'shared'],
    additionalProperties: false,
    $defs: { shared },
  }),
);

const ajv = new Ajv2020({ strict: false, ownProperties: true });
addFormats(ajv);

describe('the simulated structured answer', () => {
  it('is JSON that an independent validator (ajv, draft 2020-12 with formats) accepts, for any schema in the subset', () => {
    fc.assert(
      fc.property(rootSchema, (schema) => {
        expect(schemaProblem(schema)).toBeUndefined();
        const validate = ajv.compile(schema);
        const value = JSON.parse(exampleJson(schema));
        expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to a plain value the schema accepts when it has nothing to build from', () => {
    expect(exampleJson({})).toBe('{}');
    expect(exampleJson({ not: { type: 'object' } })).toBe('"example"');
  });

  it('spells a required member named __proto__ as a member', () => {
    const schema = { type: 'object', properties: { __proto__: { type: 'string' } }, required: ['__proto__'], additionalProperties: false };
    Object.defineProperty(schema.properties, '__proto__', { value: { type: 'string' }, enumerable: true });
    expect(exampleJson(schema)).toBe('{"__proto__":"example"}');
  });

  it('streams as pieces that put the same text back together', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(jsonPieces(text).join('')).toBe(text);
      }),
    );
  });

  it('fails with ModelErrorException, naming why, if it cannot build a value the schema accepts', () => {
    expect(() => exampleJson({ type: 'object', properties: { a: { not: {} } }, required: ['a'], additionalProperties: false })).toThrow(
      expect.objectContaining({ code: 'ModelErrorException', message: expect.stringContaining('/a ') }),
    );
  });
});

describe('checkStructuredOutput', () => {
  const { model } = resolveModel('us.anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1');
  /** Keywords JSON Schema gives meaning to, so that random schemas reach past the meta-schema check. */
  const keyword = fc.constantFrom(
    'type',
    'properties',
    'required',
    'items',
    'anyOf',
    'enum',
    'const',
    '$ref',
    '$defs',
    'additionalProperties',
    'minItems',
    'format',
    'pattern',
  );
  const hostile = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('#', '#/$defs/a', '#/%', 'http://x', '^(a', 'object', 'array', 'string'),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.oneof(keyword, fc.string({ maxLength: 4 })), tie('node'), { maxKeys: 5 }),
    ),
  })).node;

  it('refuses any schema with an AwsError, or accepts it and answers JSON or an AwsError: it never throws anything else', () => {
    fc.assert(
      fc.property(fc.dictionary(keyword, hostile, { maxKeys: 6 }), (schema) => {
        const request: ModelRequest = {
          modelId: model.id,
          system: [],
          messages: [],
          tools: [],
          stopSequences: [],
          outputSchema: { schema },
        };
        try {
          checkStructuredOutput(model, request, CONVERSE_API);
          JSON.parse(exampleJson(schema));
        } catch (error) {
          expect(error).toBeInstanceOf(AwsError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('schemaMismatch', () => {
  it("reads only an object's own members: a toString or constructor the schema names is absent from {}", () => {
    const schema = {
      type: 'object',
      properties: { toString: { type: 'string' }, constructor: { type: 'string' } },
      additionalProperties: false,
    };
    expect(schemaMismatch(schema, JSON.parse('{}'))).toBeUndefined();
    expect(schemaMismatch(schema, { toString: 1 })).toBe('/toString must be string');
  });
});

describe('complexity', () => {
  it('counts the optional properties and the union-typed schemas of all the schemas together, in $defs too', () => {
    const one = {
      type: 'object',
      properties: { a: { type: ['string', 'null'] }, b: { anyOf: [{ type: 'string' }, { type: 'integer' }] }, c: { type: 'string' } },
      required: ['a'],
      additionalProperties: false,
      $defs: { d: { type: 'object', properties: { e: { type: 'string' } }, additionalProperties: false } },
    };
    expect(complexity([one, one])).toEqual({ optional: 6, unions: 4 });
  });
});
