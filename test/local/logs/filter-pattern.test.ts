import { describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../../../local/logs/filter-pattern.js';

const matches = (pattern: string, message: string) => compileFilterPattern(pattern)(message);

describe('compileFilterPattern', () => {
  it('matches every event with an empty pattern', () => {
    expect(matches('', 'anything')).toBe(true);
    expect(matches('   ', 'anything')).toBe(true);
  });

  it('matches terms case-sensitively, all of the plain ones, none of the excluded, one of the optional', () => {
    expect(matches('ERROR disk', '[ERROR] disk full')).toBe(true);
    expect(matches('ERROR disk', '[ERROR] network')).toBe(false);
    expect(matches('Error', '[ERROR] disk full')).toBe(false);
    expect(matches('ERROR -disk', '[ERROR] disk full')).toBe(false);
    expect(matches('?WARN ?ERROR', 'ERROR x')).toBe(true);
    expect(matches('?WARN ?ERROR', 'INFO x')).toBe(false);
    expect(matches('"disk full"', 'ERROR disk full now')).toBe(true);
    expect(matches('"disk full"', 'ERROR disk is full')).toBe(false);
    expect(matches('-"disk full"', 'ERROR disk is full')).toBe(true);
  });

  it('matches a %regex%', () => {
    expect(matches('%[Ee]rror|[Ff]ail%', 'request ok')).toBe(false);
    expect(matches('%[Ee]rror|[Ff]ail%', 'request Failed')).toBe(true);
    expect(matches('%[Ee]rror|[Ff]ail%', 'ERROR')).toBe(false);
    expect(matches('%^\\d{3} %', '404 not found')).toBe(true);
  });

  it('matches JSON fields by equality, wildcards, numbers, booleans, null and existence', () => {
    const event = JSON.stringify({ level: 'ERROR', code: 500, ok: false, user: { id: 'u-42', tags: ['a', 'b'] }, gone: null });
    expect(matches('{ $.level = "ERROR" }', event)).toBe(true);
    expect(matches('{ $.level = ERROR }', event)).toBe(true);
    expect(matches('{ $.level != "ERROR" }', event)).toBe(false);
    expect(matches('{ $.user.id = "u-*" }', event)).toBe(true);
    expect(matches('{ $.user.tags[1] = "b" }', event)).toBe(true);
    expect(matches('{ $.code >= 500 && $.code < 600 }', event)).toBe(true);
    expect(matches('{ $.code > 500 }', event)).toBe(false);
    expect(matches('{ $.ok IS FALSE }', event)).toBe(true);
    expect(matches('{ $.ok IS TRUE }', event)).toBe(false);
    expect(matches('{ $.gone IS NULL }', event)).toBe(true);
    expect(matches('{ $.nothing NOT EXISTS }', event)).toBe(true);
    expect(matches('{ $.level NOT EXISTS || ($.code = 500 && $.user.id = %^u-4%) }', event)).toBe(true);
    expect(matches('{ $.missing != "x" }', event)).toBe(false);
    expect(matches('{ $.level = "ERROR" }', 'not json')).toBe(false);
  });

  it('matches space-delimited fields by position, with ... for the rest', () => {
    const line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /a.gif HTTP/1.0" 404 1534';
    expect(matches('[ip, identity, user, timestamp, request, status=404, size]', line)).toBe(true);
    expect(matches('[ip, identity, user, timestamp, request, status=4*, size>1000]', line)).toBe(true);
    expect(matches('[ip, identity, user, timestamp, request, status=200, size]', line)).toBe(false);
    expect(matches('[ip=127.0.0.1, ...]', line)).toBe(true);
    expect(matches('[..., status=404, size]', line)).toBe(true);
    expect(matches('[ip, user]', line)).toBe(false);
  });

  it("fails if a regex leaves CloudWatch's documented subset (groups, `!`, multibyte characters)", () => {
    expect(() => compileFilterPattern('%(a+)+$%')).toThrow(/Invalid regex/);
    expect(() => compileFilterPattern('%something!%')).toThrow(/Invalid regex/);
    expect(() => compileFilterPattern('%é%')).toThrow(/Invalid regex/);
    expect(() => compileFilterPattern('{ $.user = %(u|v)+% }')).toThrow(/Invalid regex/);
  });

  it('fails if a JSON pattern is malformed, naming where', () => {
    expect(() => compileFilterPattern('{ $.level = }')).toThrow(/Invalid filter pattern/);
    expect(() => compileFilterPattern('{ level = "x" }')).toThrow(/Invalid filter pattern/);
    expect(() => compileFilterPattern('{ $.a = "x" && }')).toThrow(/Invalid filter pattern/);
    expect(() => compileFilterPattern('{ $.a > "x" }')).toThrow(/compares numbers only/);
    expect(() => compileFilterPattern('%(%')).toThrow(/Invalid regex/);
  });
});
