import { describe, expect, it } from 'vitest';
import { StatesError } from '../../../../local/states/engine/errors.js';
import { evaluateIntrinsic, parseIntrinsic, type Scope } from '../../../../local/states/engine/intrinsics.js';

const scope = (input: unknown, vars: Record<string, unknown> = {}): Scope => ({
  input,
  context: { Execution: { Name: 'run-1' } },
  variable: (name) => (name in vars ? { found: true, value: vars[name] } : { found: false }),
});
const call = (text: string, input: unknown = {}, vars: Record<string, unknown> = {}) =>
  evaluateIntrinsic(parseIntrinsic(text), scope(input, vars), 'f.$');

describe('intrinsic functions', () => {
  it('formats values the way Java prints them', () => {
    expect(call("States.Format('a={} b={} c={}', $.a, $.b, $.c)", { a: { x: 1, y: [1, 2] }, b: null, c: 1.5 })).toBe(
      'a={x=1, y=[1, 2]} b=null c=1.5',
    );
  });

  it('keeps escaped braces and quotes of string literals', () => {
    expect(call("States.Format('\\{\\} it\\'s {}', 'x')")).toBe("{} it's x");
  });

  it('reads the context object and variables', () => {
    expect(call('States.Array($$.Execution.Name, $v.k)', {}, { v: { k: 2 } })).toEqual(['run-1', 2]);
  });

  it('evaluates nested calls', () => {
    expect(call("States.ArrayGetItem(States.StringSplit('a-b-c', '-'), States.MathAdd(States.ArrayLength(States.Array(1, 2)), -1))")).toBe(
      'b',
    );
  });

  it('partitions, ranges, de-duplicates and searches arrays', () => {
    expect(call('States.ArrayPartition($.a, 2)', { a: [1, 2, 3] })).toEqual([[1, 2], [3]]);
    expect(call('States.ArrayRange(1, 9, 3)')).toEqual([1, 4, 7]);
    expect(call('States.ArrayUnique($.a)', { a: [1, 1, { x: 1 }, { x: 1 }] })).toEqual([1, { x: 1 }]);
    expect(call('States.ArrayContains($.a, $.b)', { a: [{ x: 1 }], b: { x: 1 } })).toBe(true);
  });

  it('rounds MathAdd operands half up like AWS', () => {
    expect(call('States.MathAdd(1.5, -2.5)')).toBe(0);
    expect(call('States.MathAdd(-1.51, 0)')).toBe(-2);
  });

  it('hashes, encodes and parses JSON', () => {
    expect(call("States.Hash('input data', 'SHA-1')")).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
    expect(call("States.Base64Decode(States.Base64Encode('héllo'))")).toBe('héllo');
    expect(call('States.StringToJson($.s)', { s: '{"a":[1]}' })).toEqual({ a: [1] });
    expect(call('States.JsonToString($.o)', { o: { a: 1 } })).toBe('{"a":1}');
    expect(call('States.JsonMerge($.a, $.b, false)', { a: { x: 1, y: 1 }, b: { y: 2 } })).toEqual({ x: 1, y: 2 });
  });

  it('returns a random integer within the range and a UUID', () => {
    const n = call('States.MathRandom(5, 8)') as number;
    expect(n >= 5 && n < 8 && Number.isInteger(n)).toBe(true);
    expect(call('States.UUID()')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns the same number for the same seed, as AWS documents the MathRandom seed', () => {
    const draws = new Set(Array.from({ length: 20 }, () => call('States.MathRandom(1, 1000000, $.seed)', { seed: 42 })));
    expect(draws.size).toBe(1);
    const n = [...draws][0] as number;
    expect(n >= 1 && n < 1000000 && Number.isInteger(n)).toBe(true);
    expect(call('States.MathRandom(1, 1000000, 43)')).not.toBe(n);
  });

  it('fails if ArrayGetItem is out of bounds', () => {
    expect(() => call('States.ArrayGetItem($.a, 5)', { a: [1] })).toThrow(StatesError);
  });

  it('fails if a path is missing', () => {
    expect(() => call('States.Array($.missing)')).toThrow(/could not be found/);
  });

  it('fails if the argument count is wrong', () => {
    expect(() => call("States.Format('{} {}', 1)")).toThrow(/placeholders/);
    expect(() => call('States.ArrayLength()')).toThrow(/exactly 1 argument/);
  });

  it('fails to parse an unknown function', () => {
    expect(() => parseIntrinsic('States.Nope(1)')).toThrow(/Unsupported function/);
  });
});
