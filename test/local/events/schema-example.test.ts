import { describe, expect, it } from 'vitest';
import { registrySchema } from '../../../contracts/contract.js';
import { compileSchema } from '../../../contracts/schema-check.js';
import { CONTRACTS } from '../../../domain/index.js';
import { exampleOf, patternExample } from '../../../local/events/schema-example.js';

describe('exampleOf', () => {
  it.each(CONTRACTS.map((contract) => [contract.detailType, contract] as const))(
    "gives a detail the schema registry's %s schema accepts, as the contract's consumers check it",
    (_, contract) => {
      const detailSchema = (registrySchema(contract).properties as Record<string, unknown>).detail;
      const detail = exampleOf(detailSchema);
      expect(compileSchema(detailSchema)(detail)).toBeNull();
      expect(contract.validate(detail).ok).toBe(true);
    },
  );

  it('fills in required properties only, with enums, nested objects, minimum items and bounded numbers', () => {
    const schema = {
      type: 'object',
      required: ['kind', 'owner', 'tags', 'count', 'ratio', 'flag', 'step'],
      properties: {
        kind: { type: 'string', enum: ['gold', 'silver'] },
        owner: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 3 }, name: { type: 'string' } } },
        tags: { type: 'array', minItems: 2, items: { type: 'string', maxLength: 3 } },
        count: { type: 'integer', minimum: 5 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 },
        flag: { type: 'boolean' },
        step: { type: 'integer', exclusiveMinimum: 10, multipleOf: 5 },
        optional: { type: 'string' },
      },
    };
    const example = exampleOf(schema);
    expect(example).toEqual({ kind: 'gold', owner: { id: 'example' }, tags: ['exa', 'exa'], count: 5, ratio: 1, flag: true, step: 15 });
  });

  it('gives a value of each format the registry knows', () => {
    const example = exampleOf({
      type: 'object',
      required: ['at', 'day', 'mail', 'link', 'id'],
      properties: {
        at: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        mail: { type: 'string', format: 'email' },
        link: { type: 'string', format: 'uri' },
        id: { type: 'string', format: 'uuid' },
      },
    }) as Record<string, string>;
    expect(Number.isNaN(Date.parse(example.at ?? ''))).toBe(false);
    expect(example.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(example.mail).toMatch(/^[^@]+@[^@]+\.[a-z]+$/);
    expect(new URL(example.link ?? '').protocol).toBe('https:');
    expect(example.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('takes the first branch of anyOf it can build, and merges allOf', () => {
    expect(exampleOf({ anyOf: [{ not: {} }, { type: 'integer', minimum: 2 }] })).toBe(2);
    expect(
      exampleOf({
        allOf: [
          { type: 'object', required: ['a'], properties: { a: { const: 1 } } },
          { type: 'object', required: ['b'], properties: { b: { type: 'string' } } },
        ],
      }),
    ).toEqual({ a: 1, b: 'example' });
  });

  it('follows local $refs into $defs and definitions, their siblings applied over what they name', () => {
    const schema = {
      type: 'object',
      required: ['owner', 'tier'],
      properties: { owner: { $ref: '#/$defs/person' }, tier: { $ref: '#/definitions/tier', const: 'gold' } },
      $defs: { person: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } } },
      definitions: { tier: { type: 'string', enum: ['silver', 'gold'] } },
    };
    expect(exampleOf(schema)).toEqual({ owner: { email: 'someone@example.com' }, tier: 'gold' });
    expect(exampleOf({ $ref: '#/$defs/missing' })).toBeUndefined();
    expect(exampleOf({ type: 'array', minItems: 1, items: { $ref: '#/$defs/none' }, $defs: { none: { enum: [null] } } })).toEqual([null]);
    expect(exampleOf({ $ref: 'https://example.com/other.json' })).toBeUndefined();
    expect(exampleOf({ $ref: '#/%zz' })).toBeUndefined();
  });

  it('gives nothing for a schema it knows nothing of', () => {
    expect(exampleOf(undefined)).toBeUndefined();
    expect(exampleOf({ not: {} })).toBeUndefined();
  });
});

describe('patternExample', () => {
  it.each(['^[a-z]{3}$', '^[A-Za-z0-9_-]+$', '^T-\\d{4,}$', '^(gold|silver)-[0-9]?x*$', '^(?:ord|inv)_[a-f0-9]{8}$', 'plain'])(
    'gives a string %s matches',
    (pattern) => {
      const example = patternExample(pattern);
      expect(example).toBeDefined();
      expect(new RegExp(pattern, 'u').test(example ?? '')).toBe(true);
    },
  );

  it('gives nothing for what it does not read (a negated class, a lookahead)', () => {
    expect(patternExample('^[^a-z]+$')).toBeUndefined();
    expect(patternExample('^(?=a)a$')).toBeUndefined();
  });
});
