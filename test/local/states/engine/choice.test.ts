import { describe, expect, it } from 'vitest';
import { compileRule, wildcardPattern } from '../../../../local/states/engine/choice.js';
import type { Scope } from '../../../../local/states/engine/intrinsics.js';
import { parseTimestamp } from '../../../../local/states/engine/timestamp.js';

const scope = (input: unknown): Scope => ({ input, context: {}, variable: () => ({ found: false }) });
const test = (rule: Record<string, unknown>, input: unknown) => compileRule({ Variable: '$.v', ...rule }, '/r')(scope(input));

describe('choice rules', () => {
  it('compares numbers only with numbers', () => {
    expect(test({ NumericEquals: 1 }, { v: 1.0 })).toBe(true);
    expect(test({ NumericLessThan: 1 }, { v: '0' })).toBe(false);
    expect(test({ NumericGreaterThanEqualsPath: '$.w' }, { v: 2, w: 2 })).toBe(true);
  });

  it('compares strings by code point and matches wildcards', () => {
    expect(test({ StringLessThan: 'b' }, { v: 'a' })).toBe(true);
    expect(test({ StringMatches: 'log-*.txt' }, { v: 'log-2024.txt' })).toBe(true);
    expect(wildcardPattern('a\\*b').test('a*b')).toBe(true);
    expect(wildcardPattern('a\\*b').test('axb')).toBe(false);
  });

  it('compares timestamps as instants across offsets and fractions', () => {
    expect(test({ TimestampEquals: '2024-01-01T01:00:00+01:00' }, { v: '2024-01-01T00:00:00Z' })).toBe(true);
    expect(test({ TimestampGreaterThan: '2024-01-01T00:00:00Z' }, { v: '2024-01-01T00:00:00.000000001Z' })).toBe(true);
  });

  it('refuses timestamps AWS refuses', () => {
    for (const bad of [
      '2024-01-01T00:00:00',
      '2024-01-01 00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2024-01-01T24:00:00Z',
    ])
      expect(parseTimestamp(bad)).toBeUndefined();
  });

  it('answers the Is* operators by JSON type', () => {
    expect(test({ IsPresent: false }, {})).toBe(true);
    expect(test({ IsNull: true }, { v: null })).toBe(true);
    expect(test({ IsTimestamp: true }, { v: '2024-01-01T00:00:00Z' })).toBe(true);
    expect(test({ IsBoolean: true }, { v: 0 })).toBe(false);
  });

  it('combines rules with And, Or and Not', () => {
    const rule = compileRule(
      {
        And: [
          { Variable: '$.a', IsNumeric: true },
          {
            Not: {
              Or: [
                { Variable: '$.a', NumericEquals: 1 },
                { Variable: '$.a', NumericEquals: 2 },
              ],
            },
          },
        ],
      },
      '/r',
    );
    expect(rule(scope({ a: 3 }))).toBe(true);
    expect(rule(scope({ a: 2 }))).toBe(false);
  });

  it('fails if the variable is missing for a comparison', () => {
    const words = "Invalid path '$.v': The choice state's condition path references an invalid value.";
    expect(() => test({ StringEquals: 'x' }, {})).toThrow(words);
    expect(() => test({ BooleanEquals: true }, { w: true })).toThrow(words);
    expect(() => test({ StringEqualsPath: '$.w' }, { w: 'x' })).toThrow(words);
  });

  it('fails to compile a rule without an operator', () => {
    expect(() => compileRule({ Variable: '$.v', Next: 'X' }, '/r')).toThrow(/exactly one comparison operator/);
  });
});
