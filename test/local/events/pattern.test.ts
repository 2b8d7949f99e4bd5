import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { compilePattern, matchesPattern } from '../../../local/events/pattern.js';

interface Vector {
  name: string;
  event: object;
  pattern: unknown;
  expect: 'match' | 'no-match' | 'invalid';
  error?: { code: string; message: string };
}

const VECTORS = path.join(import.meta.dirname, '../../conformance/event-patterns');

/** Vectors this implementation does not pass yet, with why; none at present. */
const KNOWN_GAPS = new Map<string, string>();

type Outcome = { result: 'match' | 'no-match' } | { result: 'invalid'; code: string; message: string };

function outcome(pattern: unknown, event: object): Outcome {
  try {
    return { result: matchesPattern(compilePattern(pattern), event) ? 'match' : 'no-match' };
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    return { result: 'invalid', code: error.code, message: error.message };
  }
}

function expected(vector: Vector): Outcome {
  if (vector.expect !== 'invalid') return { result: vector.expect };
  return { result: 'invalid', code: vector.error?.code ?? '', message: vector.error?.message ?? '' };
}

/** Whether `pattern` is rejected, and with which reason. */
function rejection(pattern: unknown): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    return error.message.replace('Event pattern is not valid. Reason: ', '');
  }
}

const matches = (pattern: unknown, event: object) => matchesPattern(compilePattern(pattern), event);

describe('compilePattern and matchesPattern against AWS-recorded vectors', () => {
  const files = readdirSync(VECTORS)
    .filter((file) => file.endsWith('.json'))
    .sort();

  it('finds the recorded vectors', () => {
    expect(files.length).toBeGreaterThanOrEqual(115);
  });

  for (const file of files) {
    const vector = JSON.parse(readFileSync(path.join(VECTORS, file), 'utf8')) as Vector;
    const gap = KNOWN_GAPS.get(vector.name);
    it(`answers ${vector.name} as AWS does (${vector.expect})`, () => {
      const actual = outcome(vector.pattern, vector.event);
      // A known gap that starts passing must leave the list, so the list stays true.
      if (gap) expect(actual, `known gap: ${gap}`).not.toEqual(expected(vector));
      else expect(actual).toEqual(expected(vector));
    });
  }
});

describe('matchesPattern', () => {
  it('compares numbers numerically, so 5 matches 5.0 and 5.0 matches 5', () => {
    expect(matches({ n: [5] }, { n: 5.0 })).toBe(true);
    expect(matches({ n: [5.0] }, { n: 5 })).toBe(true);
    expect(matches({ n: [{ numeric: ['=', 300] }] }, { n: 3.0e2 })).toBe(true);
  });

  it('compares numbers to six decimal places', () => {
    expect(matches({ n: [0.1] }, { n: 0.1000001 })).toBe(true);
    expect(matches({ n: [0.1] }, { n: 0.100001 })).toBe(false);
  });

  it('matches numbers outside ±5e9 only literally', () => {
    expect(matches({ account: [123456789012] }, { account: 123456789012 })).toBe(true);
    expect(matches({ account: [123456789012] }, { account: 123456789013 })).toBe(false);
    expect(matches({ n: [{ numeric: ['>', 0] }] }, { n: 6e9 })).toBe(false);
  });

  it('never matches a number pattern to a numeric string, nor a string pattern to a number', () => {
    expect(matches({ n: [5] }, { n: '5' })).toBe(false);
    expect(matches({ n: ['5'] }, { n: 5 })).toBe(false);
    expect(matches({ n: [{ numeric: ['>', 1] }] }, { n: '5' })).toBe(false);
  });

  it('applies every numeric operator and two-sided ranges', () => {
    const at = (terms: unknown[], n: number) => matches({ n: [{ numeric: terms }] }, { n });
    expect([at(['<', 10], 9.999999), at(['<', 10], 10)]).toEqual([true, false]);
    expect([at(['<=', 10], 10), at(['<=', 10], 10.000001)]).toEqual([true, false]);
    expect([at(['>', 10], 10), at(['>', 10], 10.000001)]).toEqual([false, true]);
    expect([at(['>=', 10], 10), at(['>=', 10], 9.999999)]).toEqual([true, false]);
    expect([at(['>', 0, '<=', 5], 0), at(['>', 0, '<=', 5], 5), at(['>', 0, '<=', 5], 5.1)]).toEqual([false, true, false]);
    expect([at(['>=', -5, '<', 0], -5), at(['>=', -5, '<', 0], 0)]).toEqual([true, false]);
  });

  it('matches a value array in the event when any element matches', () => {
    expect(matches({ resources: ['b'] }, { resources: ['a', 'b', 'c'] })).toBe(true);
    expect(matches({ resources: ['z'] }, { resources: ['a', 'b', 'c'] })).toBe(false);
    expect(matches({ n: [{ numeric: ['>', 2] }] }, { n: [1, [2, [3]]] })).toBe(true);
  });

  it('looks into objects inside event arrays', () => {
    const event = {
      detail: {
        items: [
          { sku: 'a', qty: 1 },
          { sku: 'b', qty: 7 },
        ],
      },
    };
    expect(matches({ detail: { items: { sku: ['b'] } } }, event)).toBe(true);
    expect(matches({ detail: { items: { qty: [{ numeric: ['>', 5] }] } } }, event)).toBe(true);
  });

  it('matches fields inside one array only from the same element, as AWS does', () => {
    const event = {
      employees: [
        { first: 'John', last: 'Doe' },
        { first: 'Anna', last: 'Smith' },
      ],
    };
    expect(matches({ employees: { first: ['Anna'], last: ['Smith'] } }, event)).toBe(true);
    expect(matches({ employees: { first: ['Anna'], last: ['Doe'] } }, event)).toBe(false);
  });

  it('treats an empty array as no value: exists is false and value tests fail', () => {
    expect(matches({ resources: [{ exists: false }] }, { resources: [] })).toBe(true);
    expect(matches({ resources: [{ exists: true }] }, { resources: [] })).toBe(false);
    expect(matches({ resources: [{ 'anything-but': 'x' }] }, { resources: [] })).toBe(false);
  });

  it('counts null as a value for exists but a missing field or an object as none', () => {
    expect(matches({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(matches({ a: [{ exists: false }] }, { a: null })).toBe(false);
    expect(matches({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ a: [{ exists: false }] }, { a: { b: 1 } })).toBe(true);
    expect(matches({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
    expect(matches({ a: [null] }, { a: null })).toBe(true);
    expect(matches({ a: [null] }, {})).toBe(false);
  });

  it('treats dotted pattern keys and dotted event keys as nesting', () => {
    expect(matches({ 'a.b': ['x'] }, { a: { b: 'x' } })).toBe(true);
    expect(matches({ a: { b: ['x'] } }, { 'a.b': 'x' })).toBe(true);
    expect(matches({ a: { b: ['x'] } }, { a: { c: 'x' } })).toBe(false);
  });

  it('does not take inherited object properties for event fields', () => {
    expect(matches({ constructor: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ toString: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ constructor: ['x'] }, { constructor: 'x' })).toBe(true);
  });

  it('matches IPv6 addresses against a CIDR in any notation', () => {
    const pattern = { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] };
    expect(matches(pattern, { ip: '2001:db8:1234:1a00::1' })).toBe(true);
    expect(matches(pattern, { ip: '2001:DB8:1234:1A00:FFFF:FFFF:FFFF:FFFF' })).toBe(true);
    expect(matches(pattern, { ip: '2001:0db8:1234:1a01::' })).toBe(false);
    expect(matches(pattern, { ip: '10.0.0.1' })).toBe(false);
    expect(matches(pattern, { ip: 'not an address' })).toBe(false);
  });

  it('matches IPv4 addresses against a CIDR, including IPv4-mapped IPv6 ones', () => {
    const pattern = { ip: [{ cidr: '10.0.0.0/8' }] };
    expect(matches(pattern, { ip: '10.255.255.255' })).toBe(true);
    expect(matches(pattern, { ip: '11.0.0.0' })).toBe(false);
    expect(matches(pattern, { ip: '::ffff:a00:1' })).toBe(true);
    expect(matches(pattern, { ip: '10.0.0.256' })).toBe(false);
  });

  it('starts a CIDR range at the address as written, as event-ruler does', () => {
    expect(matches({ ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.4' })).toBe(false);
    expect(matches({ ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.200' })).toBe(true);
  });

  it('matches an exact address value in any notation', () => {
    expect(matches({ ip: ['::1'] }, { ip: '0:0:0:0:0:0:0:1' })).toBe(true);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: '10.0.0.1' })).toBe(true);
  });

  it('matches wildcards anywhere in the value and requires the literal parts in order', () => {
    const pattern = { key: [{ wildcard: 'dir/*/file-*.png' }] };
    expect(matches(pattern, { key: 'dir/a/b/file-1.png' })).toBe(true);
    expect(matches(pattern, { key: 'dir//file-.png' })).toBe(true);
    expect(matches(pattern, { key: 'dir/a/file-1.jpg' })).toBe(false);
    expect(matches({ key: [{ wildcard: '*' }] }, { key: '' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'a*a' }] }, { key: 'a' })).toBe(false);
  });

  it('reads an escaped star and an escaped backslash in a wildcard literally', () => {
    expect(matches({ key: [{ wildcard: 'a\\*b*' }] }, { key: 'a*bcd' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'a\\*b*' }] }, { key: 'axbcd' })).toBe(false);
    expect(matches({ key: [{ wildcard: 'c:\\\\*' }] }, { key: 'c:\\temp' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'c:\\\\*' }] }, { key: 'c:temp' })).toBe(false);
  });

  it('excludes only values of the same type with anything-but', () => {
    expect(matches({ n: [{ 'anything-but': [100] }] }, { n: '100' })).toBe(true);
    expect(matches({ n: [{ 'anything-but': [100] }] }, { n: 100.0 })).toBe(false);
    expect(matches({ s: [{ 'anything-but': '100' }] }, { s: 100 })).toBe(true);
    expect(matches({ s: [{ 'anything-but': { suffix: '.png' } }] }, { s: true })).toBe(true);
    expect(matches({ s: [{ 'anything-but': { 'equals-ignore-case': 'a' } }] }, { s: 'A' })).toBe(false);
  });

  it('ignores case with equals-ignore-case and its prefix and suffix forms', () => {
    expect(matches({ s: [{ 'equals-ignore-case': 'EventBridge' }] }, { s: 'EVENTBRIDGE' })).toBe(true);
    expect(matches({ s: [{ prefix: { 'equals-ignore-case': 'eVeNt' } }] }, { s: 'EventBridge' })).toBe(true);
    expect(matches({ s: [{ suffix: { 'equals-ignore-case': 'BRIDGE' } }] }, { s: 'EventBridge' })).toBe(true);
    expect(matches({ s: [{ 'equals-ignore-case': 'x' }] }, { s: 1 })).toBe(false);
  });

  it('matches any $or alternative, nested ones included', () => {
    const pattern = { source: ['app'], $or: [{ a: ['1'] }, { b: ['2'], $or: [{ c: ['3'] }, { d: ['4'] }] }] };
    expect(matches(pattern, { source: 'app', a: '1' })).toBe(true);
    expect(matches(pattern, { source: 'app', b: '2', d: '4' })).toBe(true);
    expect(matches(pattern, { source: 'app', b: '2' })).toBe(false);
    expect(matches(pattern, { source: 'other', a: '1' })).toBe(false);
  });

  it('reads $or that is not followed by an array of objects as an ordinary field name', () => {
    expect(matches({ $or: { a: ['1'] } }, { $or: { a: '1' } })).toBe(true);
  });
});

describe('compilePattern', () => {
  it('accepts the pattern as JSON text', () => {
    expect(matchesPattern(compilePattern('{"source": ["app"]}'), { source: 'app' })).toBe(true);
  });

  it('fails if the pattern is not JSON, with AWS error code and status', () => {
    expect(() => compilePattern('{source')).toThrow(expect.objectContaining({ code: 'InvalidEventPatternException', status: 400 }));
  });

  it('fails if the pattern is not an object or an object is empty', () => {
    expect(rejection([])).toBe('Filter is not an object');
    expect(rejection(null)).toBe('Filter is not an object');
    expect(rejection({})).toBe('Empty objects are not allowed');
    expect(rejection({ detail: {} })).toBe('Empty objects are not allowed');
  });

  it('fails if a match value is not a string, number, boolean or null', () => {
    expect(rejection({ a: [['x']] })).toBe('Match value must be String, number, true, false, or null');
    expect(rejection({ a: [{}] })).toBe('Match expression name not found');
  });

  it('fails if a match expression has more than one key', () => {
    expect(rejection({ a: [{ prefix: 'x', suffix: 'y' }] })).toBe('Only one key allowed in match expression');
    expect(rejection({ a: [{ numeric: ['>', 1], prefix: 'x' }] })).toBe('Too many elements in numeric expression');
  });

  it('fails if a numeric range is malformed or out of bounds', () => {
    expect(rejection({ a: [{ numeric: [] }] })).toBe('Invalid member in numeric match: ]');
    expect(rejection({ a: [{ numeric: ['!', 1] }] })).toBe('Unrecognized numeric range operator: !');
    expect(rejection({ a: [{ numeric: ['>', 5, '<', 5] }] })).toBe('Bottom must be less than top');
    expect(rejection({ a: [{ numeric: ['<', 1, '>', 0] }] })).toBe('Too many elements in numeric expression');
    expect(rejection({ a: [{ numeric: ['>', 0, '<', 1, 2] }] })).toBe('Too many terms in numeric range expression');
    expect(rejection({ a: [{ numeric: ['>', 0, '<', 6e9] }] })).toBe('Value must be between -5.0E9 and 5.0E9, inclusive');
    expect(rejection({ a: [{ numeric: ['=', '1'] }] })).toBe('Value of equals must be numeric');
  });

  it('fails if anything-but mixes types or holds null', () => {
    expect(rejection({ a: [{ 'anything-but': ['a', 1] }] })).toBe(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    );
    expect(rejection({ a: [{ 'anything-but': null }] })).toBe('Value of anything-but must be an array or single string/number value.');
    expect(rejection({ a: [{ 'anything-but': { exists: true } }] })).toBe('Unsupported anything-but pattern: exists');
  });

  it('fails if a wildcard has consecutive stars, counting UTF-8 bytes after the opening quote', () => {
    expect(rejection({ a: [{ wildcard: 'a**b' }] })).toBe('Consecutive wildcard characters at pos 2');
    expect(rejection({ a: [{ wildcard: 'é**' }] })).toBe('Consecutive wildcard characters at pos 3');
  });

  it('fails if a wildcard escapes anything but a star or a backslash', () => {
    expect(rejection({ a: [{ wildcard: 'a\\b' }] })).toBe('Invalid escape character at pos 2');
    expect(rejection({ a: [{ wildcard: 'ab\\' }] })).toBe('Invalid escape character at pos 3');
    expect(rejection({ a: [{ 'anything-but': { wildcard: ['ok', 'x\\y'] } }] })).toBe('Invalid escape character at pos 2');
  });

  it('fails if wildcards on one field are too complex, and accepts the simpler forms AWS accepts', () => {
    const tooComplex =
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';
    const stacks = (...names: string[]) => ({ 'stack-id': names.map((name) => ({ wildcard: `*:stack/${name}/*` })) });
    expect(rejection(stacks('Shared', 'Api', 'Data'))).toBeUndefined();
    expect(rejection(stacks('Shared', 'Api', 'Data', 'Monitoring'))).toBe(tooComplex);
    expect(rejection({ key: [{ wildcard: '*/datasync/*.bif' }, { wildcard: '*/datasync/*.tif' }] })).toBeUndefined();
    expect(rejection({ a: [{ wildcard: '*:*:*:*' }], b: [{ wildcard: '*:*:*:*' }] })).toBeUndefined();
  });

  it('fails if a CIDR is malformed or its mask too wide', () => {
    expect(rejection({ ip: [{ cidr: '10.0.0.0/32' }] })).toBe('IPv4 mask bits must be < 32');
    expect(rejection({ ip: [{ cidr: '::/128' }] })).toBe('IPv6 mask bits must be < 128');
    expect(rejection({ ip: [{ cidr: '10.0.0.0/-1' }] })).toBe('Malformed CIDR, mask bits must not be negative');
    expect(rejection({ ip: [{ cidr: '10.0.0.0/' }] })).toBe("Malformed CIDR, one '/' required");
    expect(rejection({ ip: [{ cidr: '300.0.0.0/8' }] })).toBe('Invalid IP address: 300.0.0.0');
    expect(rejection({ ip: [{ cidr: 5 }] })).toBe('prefix match pattern must be a string');
  });

  it('fails if $or has fewer than two alternatives or an operator name as a field', () => {
    expect(rejection({ $or: [{ a: ['1'] }] })).toBe('Unrecognized match type a');
    expect(rejection({ $or: [{ numeric: ['1'] }, { b: ['2'] }] })).toBe('Unrecognized numeric range operator: 1');
  });

  it('fails if exists is not a boolean', () => {
    expect(rejection({ a: [{ exists: 'true' }] })).toBe('exists match pattern must be either true or false.');
  });
});
