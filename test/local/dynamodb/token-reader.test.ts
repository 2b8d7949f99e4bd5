import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../../local/dynamodb/engine/expressions/parser.js';
import { parseStatement } from '../../../local/dynamodb/engine/partiql/parser.js';

// The comma-separated lists both of DynamoDB's readers share (token-reader.ts): a call's
// arguments, IN lists, and PartiQL's lists, bags and tuples, empty or not.
describe('TokenReader lists', () => {
  it("reads a PartiQL item's empty and filled lists, bags and tuples", () => {
    const { statement } = parseStatement(`INSERT INTO "t" VALUE {'a': [], 'b': <<>>, 'c': {}, 'd': [1, 'x'], 'e': {'f': ?}}`);
    expect(statement).toEqual({
      kind: 'insert',
      target: { table: 't' },
      item: {
        kind: 'tuple',
        entries: [
          ['a', { kind: 'list', items: [] }],
          ['b', { kind: 'bag', items: [] }],
          ['c', { kind: 'tuple', entries: [] }],
          [
            'd',
            {
              kind: 'list',
              items: [
                { kind: 'number', value: '1' },
                { kind: 'string', value: 'x' },
              ],
            },
          ],
          ['e', { kind: 'tuple', entries: [['f', { kind: 'parameter', index: 0 }]] }],
        ],
      },
    });
  });

  it("reads calls with no argument and with several, and IN lists, in PartiQL's WHERE and in a condition expression", () => {
    const { statement } = parseStatement(`SELECT * FROM "t" WHERE f() AND begins_with(a, 'x') AND b IN [1, 2]`);
    expect(statement).toMatchObject({
      where: {
        kind: 'and',
        left: {
          kind: 'and',
          left: { kind: 'function', name: 'f', args: [] },
          right: { kind: 'function', name: 'begins_with', args: [{ kind: 'path' }, { kind: 'string', value: 'x' }] },
        },
        right: {
          kind: 'in',
          list: [
            { kind: 'number', value: '1' },
            { kind: 'number', value: '2' },
          ],
        },
      },
    });
    expect(parseCondition('f() AND attribute_exists(#a) AND b IN (:x, :y)')).toMatchObject({
      kind: 'and',
      left: {
        kind: 'and',
        left: { kind: 'function', name: 'f', args: [] },
        right: { kind: 'function', name: 'attribute_exists', args: [{ kind: 'path' }] },
      },
      right: {
        kind: 'in',
        list: [
          { kind: 'value', name: ':x' },
          { kind: 'value', name: ':y' },
        ],
      },
    });
  });

  it('fails if a list is not closed, naming where it stopped', () => {
    expect(() => parseStatement(`INSERT INTO "t" VALUE {'a': [1, 2}`)).toThrow(/^Unexpected operator at 1:34:1$/);
    expect(() => parseCondition('b IN (:x, :y')).toThrow('Syntax error; token: "<EOF>", near: ":y"');
  });
});
