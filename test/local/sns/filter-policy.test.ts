import { describe, expect, it } from 'vitest';
import {
  compileFilterPolicy,
  type FilterPolicyScope,
  matchesFilterPolicy,
  type StoredAttribute,
} from '../../../local/sns/filter-policy.js';

const s = (value: string): StoredAttribute => ({ DataType: 'String', StringValue: value });
const n = (value: string): StoredAttribute => ({ DataType: 'Number', StringValue: value });
const array = (value: unknown[]): StoredAttribute => ({ DataType: 'String.Array', StringValue: JSON.stringify(value) });

function onAttributes(policy: unknown, attributes: Record<string, StoredAttribute>): boolean {
  return matchesFilterPolicy(compileFilterPolicy(JSON.stringify(policy), 'MessageAttributes', 'set'), { body: '', attributes });
}

function onBody(policy: unknown, body: unknown): boolean {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return matchesFilterPolicy(compileFilterPolicy(JSON.stringify(policy), 'MessageBody', 'set'), { body: text, attributes: {} });
}

function rejection(policy: unknown, scope: FilterPolicyScope = 'MessageAttributes', during: 'set' | 'subscribe' = 'set'): string {
  try {
    compileFilterPolicy(typeof policy === 'string' ? policy : JSON.stringify(policy), scope, during);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('compileFilterPolicy', () => {
  it('fails if a policy has more than 5 keys', () => {
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, ['v']]));
    expect(rejection(keys(5))).toBe('accepted');
    expect(rejection(keys(6))).toBe('Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys');
    expect(rejection(keys(6), 'MessageAttributes', 'subscribe')).toBe(
      'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys',
    );
  });

  it('fails if a policy has more than 150 combinations, counting nesting depth as AWS does', () => {
    const values = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
    expect(rejection({ a: values(15), b: values(10) })).toBe('accepted');
    expect(rejection({ a: values(16), b: values(10) })).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
    // The documented example: 4 values three levels deep, 3 values two levels deep: 3 x 4 x 2 x 3 = 72.
    const nested = { key_a: { key_b: { key_c: values(4) } }, key_d: { key_e: values(3) } };
    expect(rejection(nested, 'MessageBody')).toBe('accepted');
    expect(rejection({ ...nested, key_f: values(3) }, 'MessageBody')).toBe('Invalid parameter: FilterPolicy: Filter policy is too complex');
  });

  it('fails if a MessageAttributes policy nests keys', () => {
    expect(rejection({ a: { b: ['c'] } })).toBe(
      'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    );
  });

  it('fails on the operators and values SNS refuses, with its reasons', () => {
    expect(rejection({ a: [] })).toBe('Invalid parameter: FilterPolicy: Empty arrays are not allowed');
    // Located as AWS's parser locates the value, in the policy written compactly (recorded on AWS).
    expect(rejection({ a: 'x' })).toBe(
      'Invalid parameter: FilterPolicy: "a" must be an object or an array\n at [Source: (String)"{"a":"x"}"; line: 1, column: 7]',
    );
    expect(rejection({ b: ['y'], a: 10 })).toBe(
      'Invalid parameter: FilterPolicy: "a" must be an object or an array\n at [Source: (String)"{"b":["y"],"a":10}"; line: 1, column: 18]',
    );
    expect(rejection({ a: [{ wildcard: 'x*' }] })).toBe('Invalid parameter: FilterPolicy: Unrecognized match type wildcard');
    expect(rejection({ a: [{ prefix: 1 }] })).toBe('Invalid parameter: FilterPolicy: prefix match pattern must be a string');
    expect(rejection({ a: [{ exists: 'yes' }] })).toBe(
      'Invalid parameter: FilterPolicy: exists match pattern must be either true or false.',
    );
    expect(rejection({ a: [{ numeric: ['<', 'x'] }] })).toBe('Invalid parameter: FilterPolicy: Value of < must be numeric');
    expect(rejection({ a: [{ numeric: ['>', 5, '<', 1] }] })).toBe('Invalid parameter: FilterPolicy: Bottom must be less than top');
    expect(rejection({ a: [{ numeric: ['<', 5, '>', 1] }] })).toBe(
      'Invalid parameter: FilterPolicy: Too many elements in numeric expression',
    );
    expect(rejection({ a: [{ 'anything-but': { wildcard: 'x' } }] })).toBe(
      'Invalid parameter: FilterPolicy: Unsupported anything-but pattern: wildcard',
    );
    expect(rejection({ a: [{ prefix: 'a', suffix: 'b' }] })).toBe(
      'Invalid parameter: FilterPolicy: Only one key allowed in match expression',
    );
    expect(rejection('{not json')).toMatch(/^Invalid parameter: FilterPolicy: failed to parse JSON/);
  });
});

describe('matchesFilterPolicy on message attributes', () => {
  it('matches strings exactly, by prefix, suffix and ignoring case', () => {
    expect(onAttributes({ c: ['red', 'blue'] }, { c: s('blue') })).toBe(true);
    expect(onAttributes({ c: ['red'] }, { c: s('Red') })).toBe(false);
    expect(onAttributes({ c: [{ prefix: 're' }] }, { c: s('red') })).toBe(true);
    expect(onAttributes({ c: [{ suffix: 'ed' }] }, { c: s('red') })).toBe(true);
    expect(onAttributes({ c: [{ 'equals-ignore-case': 'RED' }] }, { c: s('red') })).toBe(true);
  });

  it('matches any element of a String.Array attribute', () => {
    expect(onAttributes({ i: ['rugby', 'tennis'] }, { i: array(['golf', 'tennis']) })).toBe(true);
    expect(onAttributes({ i: ['rugby'] }, { i: array(['golf']) })).toBe(false);
    expect(onAttributes({ i: [5] }, { i: array([5, 'x']) })).toBe(true);
    expect(onAttributes({ i: [{ prefix: 'ten' }] }, { i: array(['golf', 'tennis']) })).toBe(true);
  });

  it('passes anything-but on a String.Array only when no element is excluded', () => {
    const policy = { i: [{ 'anything-but': ['rugby', 'tennis'] }] };
    expect(onAttributes(policy, { i: array(['baseball', 'football']) })).toBe(true);
    expect(onAttributes(policy, { i: array(['rugby', 'baseball']) })).toBe(false);
    expect(onAttributes({ i: [{ 'anything-but': { prefix: 'ru' } }] }, { i: array(['rugby', 'golf']) })).toBe(false);
    expect(onAttributes(policy, { i: array([]) })).toBe(false);
  });

  it('matches an attribute whose name has dots by its whole name', () => {
    expect(onAttributes({ 'order.kind': ['x'] }, { 'order.kind': s('x') })).toBe(true);
  });

  it('matches numbers only against Number attributes', () => {
    expect(onAttributes({ p: [{ numeric: ['>=', 100, '<', 200] }] }, { p: n('150') })).toBe(true);
    expect(onAttributes({ p: [{ numeric: ['>=', 100, '<', 200] }] }, { p: n('200') })).toBe(false);
    expect(onAttributes({ p: [{ numeric: ['=', 100] }] }, { p: n('1e2') })).toBe(true);
    expect(onAttributes({ p: [100] }, { p: n('100.0') })).toBe(true);
    expect(onAttributes({ p: [100] }, { p: s('100') })).toBe(false);
    expect(onAttributes({ p: ['100'] }, { p: n('100') })).toBe(false);
  });

  it('needs the attribute to be there, except for exists: false', () => {
    expect(onAttributes({ c: [{ 'anything-but': 'red' }] }, {})).toBe(false);
    expect(onAttributes({ c: [{ 'anything-but': ['red', 'blue'] }] }, { c: s('green') })).toBe(true);
    expect(onAttributes({ c: [{ 'anything-but': ['red', 'blue'] }] }, { c: s('red') })).toBe(false);
    expect(onAttributes({ c: [{ 'anything-but': { prefix: 'r' } }] }, { c: s('red') })).toBe(false);
    expect(onAttributes({ c: [{ exists: true }] }, {})).toBe(false);
    expect(onAttributes({ c: [{ exists: false }] }, {})).toBe(true);
    expect(onAttributes({ c: [{ exists: false }] }, { c: s('x') })).toBe(false);
    expect(onAttributes({ c: ['x'] }, {})).toBe(false);
  });

  it('ignores Binary attributes', () => {
    expect(onAttributes({ b: [{ exists: true }] }, { b: { DataType: 'Binary', BinaryValue: 'AQI=' } })).toBe(false);
  });

  it('needs every key to match, and any branch of $or', () => {
    const policy = { c: ['red'], $or: [{ size: ['L'] }, { price: [{ numeric: ['<', 10] }] }] };
    expect(onAttributes(policy, { c: s('red'), size: s('L') })).toBe(true);
    expect(onAttributes(policy, { c: s('red'), price: n('5') })).toBe(true);
    expect(onAttributes(policy, { c: s('red'), size: s('S'), price: n('50') })).toBe(false);
    expect(onAttributes(policy, { c: s('blue'), size: s('L') })).toBe(false);
  });
});

describe('matchesFilterPolicy on the message body', () => {
  it('matches nested keys and array elements of a JSON body', () => {
    const policy = { order: { status: ['paid'], total: [{ numeric: ['>', 10] }] } };
    expect(onBody(policy, { order: { status: 'paid', total: 20 } })).toBe(true);
    expect(onBody(policy, { order: { status: 'paid', total: 5 } })).toBe(false);
    expect(onBody({ tags: ['a'] }, { tags: ['b', 'a'] })).toBe(true);
    expect(onBody({ order: { coupon: [{ exists: false }] } }, { order: { status: 'paid' } })).toBe(true);
  });

  it('matches nothing when the body is not a JSON object', () => {
    expect(onBody({ a: [{ exists: false }] }, 'plain text')).toBe(false);
    expect(onBody({ a: [{ exists: false }] }, '"a JSON string"')).toBe(false);
    expect(onBody({ a: [{ exists: false }] }, '[{"b": 1}]')).toBe(false);
    expect(onBody({ a: ['x'] }, '["x"]')).toBe(false);
  });
});
