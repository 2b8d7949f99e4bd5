import { isIP } from 'node:net';
import { arnMatches, matches, policyString, type RequestContext } from './policy-patterns.js';

/**
 * IAM's condition operators ("IAM JSON policy elements: Condition operators"): how one
 * value of a request is compared with one value of a policy. Each base operator is a
 * positive test; the negated ones (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, ...)
 * are its negation, so that a missing key, `...IfExists` and the set operators
 * (`ForAllValues`, `ForAnyValue`) are read once, in condition.ts.
 */

/**
 * Compares one request value with one policy value; `variables` says whether the policy's
 * Version reads `${...}`. Undefined when the operator cannot read them (a number that is
 * none, an ARN that is none): such a value holds neither for the operator nor for its negation.
 */
type Compare = (request: string, policy: string, context: RequestContext, variables: boolean) => boolean | undefined;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function numeric(test: (a: number, b: number) => boolean): Compare {
  return (request, policy) =>
    NUMBER.test(request.trim()) && NUMBER.test(policy.trim()) ? test(Number(request), Number(policy)) : undefined;
}

/** A date as AWS reads one: epoch seconds, or one of the W3C forms of ISO 8601. NaN when neither. */
export function dateOf(value: string): number {
  const text = value.trim();
  if (/^-?\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$/i.test(text)) return Number.NaN;
  return Date.parse(text);
}

function date(test: (a: number, b: number) => boolean): Compare {
  return (request, policy) => {
    const a = dateOf(request);
    const b = dateOf(policy);
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : test(a, b);
  };
}

/** An address (or CIDR range) as a number with its prefix length and family; undefined when it is neither. */
function ipRange(text: string): { readonly value: bigint; readonly bits: number; readonly family: 4 | 6 } | undefined {
  const [address = '', prefix, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? width : /^\d+$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  return { value: family === 4 ? ipv4(address) : ipv6(address), bits, family: family as 4 | 6 };
}

function ipv4(address: string): bigint {
  return address.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
}

function ipv6(address: string): bigint {
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const text = tail
    ? `${address.slice(0, -(tail[1] as string).length)}${(ipv4(tail[1] as string) >> 16n).toString(16)}:${(ipv4(tail[1] as string) & 0xffffn).toString(16)}`
    : address;
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(Number.parseInt(group, 16) || 0), 0n);
}

/** Whether the request's address is in the policy's range (an address alone is /32 or /128). */
const inRange: Compare = (request, policy) => {
  const address = ipRange(request);
  const range = ipRange(policy);
  if (!address || !range) return undefined;
  if (address.family !== range.family) return false;
  const width = range.family === 4 ? 32 : 128;
  const shift = BigInt(width - range.bits);
  return address.value >> shift === range.value >> shift;
};

/** ARN operators compare ARNs: a policy value that is none (`*` alone, an account id) compares with nothing. */
const arn: Compare = (request, policy, context, variables) => {
  if (!/^[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:/.test(policy)) return undefined;
  return arnMatches(policy, request, context, variables);
};

const equals: Compare = (request, policy, context, variables) => matches(policyString(policy, variables, false), request, context);

/** The positive operators, lower-cased, by name; each negated one names the positive it negates. */
const POSITIVE: ReadonlyMap<string, Compare> = new Map<string, Compare>([
  ['stringequals', equals],
  ['stringequalsignorecase', (r, p, c, v) => matches(policyString(p, v, false), r, c, true)],
  ['stringlike', (r, p, c, v) => matches(policyString(p, v, true), r, c)],
  ['numericequals', numeric((a, b) => a === b)],
  ['numericlessthan', numeric((a, b) => a < b)],
  ['numericlessthanequals', numeric((a, b) => a <= b)],
  ['numericgreaterthan', numeric((a, b) => a > b)],
  ['numericgreaterthanequals', numeric((a, b) => a >= b)],
  ['dateequals', date((a, b) => a === b)],
  ['datelessthan', date((a, b) => a < b)],
  ['datelessthanequals', date((a, b) => a <= b)],
  ['dategreaterthan', date((a, b) => a > b)],
  ['dategreaterthanequals', date((a, b) => a >= b)],
  // Bool reads variables ("You can use a policy variable with the Boolean condition operator").
  ['bool', (r, p, c, v) => matches(policyString(p.toLowerCase(), v, false), r.toLowerCase(), c, true)],
  ['binaryequals', (r, p) => r === p],
  ['ipaddress', inRange],
  // ArnEquals and ArnLike behave identically: segment by segment, with wildcards.
  ['arnequals', arn],
  ['arnlike', arn],
]);

const NEGATED: ReadonlyMap<string, string> = new Map([
  ['stringnotequals', 'stringequals'],
  ['stringnotequalsignorecase', 'stringequalsignorecase'],
  ['stringnotlike', 'stringlike'],
  ['numericnotequals', 'numericequals'],
  ['datenotequals', 'dateequals'],
  ['notipaddress', 'ipaddress'],
  ['arnnotequals', 'arnequals'],
  ['arnnotlike', 'arnlike'],
]);

/** An operator as a condition reads it: its positive comparison and whether it is negated. */
export interface Operator {
  readonly compare: Compare;
  readonly negated: boolean;
}

/** The operator a base name (no set prefix, no IfExists) names, or undefined when IAM has none. */
export function operatorNamed(base: string): Operator | undefined {
  const name = base.toLowerCase();
  const positive = POSITIVE.get(name);
  if (positive) return { compare: positive, negated: false };
  const of = NEGATED.get(name);
  return of === undefined ? undefined : { compare: POSITIVE.get(of) as Compare, negated: true };
}
