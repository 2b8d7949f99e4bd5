import { describe, expect, it } from 'vitest';
import { jacksonLocation, jacksonSyntaxError } from '../../../local/json/jackson-syntax.js';

describe('jacksonSyntaxError', () => {
  it('finds nothing wrong in JSON that parses', () => {
    for (const text of ['{}', '[1, -2.5e3, "a\\u00e9", true, false, null]', ' {"a": {"b": []}} ', '"text"', '0'])
      expect(jacksonSyntaxError(text)).toBeUndefined();
  });

  it('words a bare word as an unrecognized token, located just past it (AWS recorded `not a definition`)', () => {
    expect(jacksonSyntaxError('not a definition')).toEqual({
      message: "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
      line: 1,
      column: 4,
    });
  });

  it("words a single-quoted field name as Jackson does (AWS recorded `{'not': 'json'`)", () => {
    expect(jacksonSyntaxError("{'not': 'json'")?.message).toBe(
      "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
    );
  });

  it('names the separator it expected between a field name and its value, and between entries', () => {
    expect(jacksonSyntaxError('{"a" 1}')?.message).toBe(
      "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value",
    );
    expect(jacksonSyntaxError('{"a": 1 "b": 2}')?.message).toBe(
      "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
    );
    expect(jacksonSyntaxError('[1 2]')?.message).toBe(
      "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries",
    );
  });

  it('says which structure the input ended in', () => {
    expect(jacksonSyntaxError('{"a": [1')?.message).toBe('Unexpected end-of-input: expected close marker for ARRAY');
    expect(jacksonSyntaxError('{"a": 1')?.message).toBe('Unexpected end-of-input: expected close marker for OBJECT');
    expect(jacksonSyntaxError('"open')?.message).toBe('Unexpected end-of-input: was expecting closing quote for a string value');
  });

  it('refuses an escape JSON does not have and a raw control character in a string', () => {
    expect(jacksonSyntaxError('"a\\x"')?.message).toBe("Unrecognized character escape 'x' (code 120)");
    expect(jacksonSyntaxError('"a\nb"')?.message).toBe(
      'Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value',
    );
  });

  it('counts lines and columns from the last line break', () => {
    expect(jacksonSyntaxError('{\n  "a": 1,\n  x\n}')).toMatchObject({ line: 3, column: 4 });
  });
});

describe('jacksonLocation', () => {
  it('quotes the source and places the error in it, as ValidateStateMachineDefinition locates it', () => {
    const text = 'not a definition';
    expect(jacksonLocation(text, jacksonSyntaxError(text) as never)).toBe('[Source: (String)"not a definition"; line: 1, column: 4]');
  });

  it('shows only the first 500 characters of a long source', () => {
    const text = `[${'1,'.repeat(300)}x]`;
    expect(jacksonLocation(text, { message: '', line: 1, column: 602 })).toBe(
      `[Source: (String)"${text.slice(0, 500)}"[truncated ${text.length - 500} chars]; line: 1, column: 602]`,
    );
  });
});
