/**
 * SNS subscription filter policies: validated as Subscribe and SetSubscriptionAttributes
 * validate them (AWS's limits and wording), then matched with EventBridge's event-ruler
 * matcher (`events/pattern.ts`), which SNS's operators are a subset of.
 *
 * What differs from EventBridge is what a policy is matched against:
 * - MessageAttributes scope: each attribute is matched by name, one rule at a time (each
 *   compiled as a one-field event-ruler pattern). String attributes are strings, Number
 *   attributes numbers (so `numeric` and exact numbers match only them), String.Array
 *   attributes arrays whose elements match one by one (but `anything-but` must hold for
 *   all of them), and Binary attributes are left out (SNS never matches them). A missing
 *   attribute matches nothing but `{"exists": false}`, `anything-but` included.
 * - MessageBody scope: the body must be a JSON object; policies may nest keys.
 * Limits (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html):
 * at most 5 keys, at most 150 combinations, no nesting in MessageAttributes scope, 256 KiB.
 */
import { AwsError } from '../endpoint/aws-error.js';
import { type CompiledPattern, compilePattern, matchesPattern } from '../events/pattern.js';
import { jacksonLocation, jacksonRedactedReason } from '../json/jackson-syntax.js';
import { jsonDepth } from '../json/json-depth.js';
import { invalidParameter } from './sns-errors.js';

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

export interface CompiledFilterPolicy {
  readonly scope: FilterPolicyScope;
  /** The whole policy as event-ruler compiles it: what MessageBody policies match with. */
  readonly pattern: CompiledPattern;
  /** MessageAttributes policies: the alternatives `$or` spells out, each a rule list per attribute name. */
  readonly branches: readonly (readonly AttributeCondition[])[];
}

/** One attribute's rule list: any rule passing lets the attribute through. */
interface AttributeCondition {
  readonly name: string;
  readonly rules: readonly AttributeRule[];
}

type AttributeRule =
  | { readonly kind: 'exists'; readonly present: boolean }
  /** A value test, compiled as a one-field pattern; `anythingBut` rules must hold for every element of an array. */
  | { readonly kind: 'value'; readonly anythingBut: boolean; readonly pattern: CompiledPattern };

/** A message attribute as SNS holds it (binary values base64). */
export interface StoredAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
const MAX_POLICY_BYTES = 256 * 1024;
const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

/**
 * Validates a FilterPolicy attribute value and compiles it.
 * @param during `subscribe` words errors as Subscribe does (`Attributes Reason: ...`), `set` as SetSubscriptionAttributes.
 * @throws SnsError InvalidParameter with AWS's reason
 */
export function compileFilterPolicy(text: string, scope: FilterPolicyScope, during: 'subscribe' | 'set'): CompiledFilterPolicy {
  const prefix = during === 'subscribe' ? 'Attributes Reason: ' : '';
  const fail = (reason: string): never => {
    throw invalidParameter(`${prefix}FilterPolicy: ${reason}`);
  };
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) fail('Filter policy is too long');
  // A value list counts its key's depth in combinations, so a policy nested deeper than 150 keys is over the limit
  // whatever it holds; refused before the recursive checks below meet it.
  if (jsonDepth(text) > MAX_COMBINATIONS + 1) fail('Filter policy is too complex');
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    // AWS's reason is its JSON parser's (Jackson's); trailing text after a value is worded by JavaScript's.
    return fail(`failed to parse JSON. ${jacksonRedactedReason(text) ?? (error as Error).message}`);
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return fail('Filter policy must be a JSON object');
  if (Object.keys(policy).length > MAX_KEYS) fail('Filter policy can not have more than 5 keys');
  const combinations = countCombinations(policy as Record<string, unknown>, 1, 1, fail, policy);
  // A nested key is refused for the attributes scope once the policy itself is valid: AWS
  // words `{"key": {"suffix": "value"}}` by its rule, not its scope (recorded on AWS).
  if (scope === 'MessageAttributes' && hasNestedKey(policy as Record<string, unknown>)) {
    throw invalidParameter(`${prefix}Filter policy scope MessageAttributes does not support nested filter policy`);
  }
  if (combinations > MAX_COMBINATIONS) fail('Filter policy is too complex');
  try {
    const pattern = compilePattern(policy);
    return { scope, pattern, branches: scope === 'MessageAttributes' ? attributeBranches(policy as Record<string, unknown>) : [] };
  } catch (error) {
    if (error instanceof AwsError) fail(error.message.replace(/^Event pattern is not valid\. Reason: /, ''));
    throw error;
  }
}

/**
 * AWS's combination count: each value list multiplies it by its length times its key's
 * depth (`{"a": {"b": [1, 2]}}` counts 4); the alternatives of `$or` add up.
 */
function countCombinations(
  policy: Record<string, unknown>,
  depth: number,
  start: number,
  fail: (reason: string) => never,
  root: unknown,
): number {
  let combinations = start;
  for (const [key, value] of Object.entries(policy)) {
    if (Array.isArray(value)) {
      if (value.length === 0) fail('Empty arrays are not allowed');
      if (key === '$or') {
        let sum = 0;
        for (const alternative of value) {
          if (typeof alternative !== 'object' || alternative === null || Array.isArray(alternative)) {
            fail('Only JSON object is allowed in array of $or relationship.');
          }
          sum += countCombinations(alternative as Record<string, unknown>, depth, combinations, fail, root);
        }
        combinations = sum;
      } else {
        for (const rule of value) validateRule(rule, fail);
        combinations *= value.length * depth;
      }
    } else if (typeof value === 'object' && value !== null) {
      combinations = countCombinations(value as Record<string, unknown>, depth + 1, combinations, fail, root);
    } else {
      fail(`"${key}" must be an object or an array\n at ${valueLocation(root, policy, key)}`);
    }
  }
  return combinations;
}

/** Whether a key of the policy (or of one of its `$or` alternatives) holds an object rather than a list of rules. */
function hasNestedKey(policy: Record<string, unknown>): boolean {
  return Object.entries(policy).some(([key, value]) => {
    if (Array.isArray(value)) return key === '$or' && value.some((alternative) => hasNestedKey(alternative as Record<string, unknown>));
    return typeof value === 'object' && value !== null;
  });
}

/**
 * Where AWS's parser (Jackson) locates a member's value, in the policy as AWS writes it again
 * (compact JSON, recorded on AWS: `{"key_a":"value_one"}`, column 11): just past a string's
 * opening quote, just past any other token.
 */
function valueLocation(root: unknown, holder: Record<string, unknown>, key: string): string {
  const value = holder[key];
  const marker = `\u0000${key}\u0000marker`;
  holder[key] = marker;
  const at = JSON.stringify(root).indexOf(JSON.stringify(marker));
  holder[key] = value;
  const column = at + 1 + (typeof value === 'string' ? 1 : JSON.stringify(value).length);
  return jacksonLocation(JSON.stringify(root), { message: '', line: 1, column });
}

/** The operators SNS documents; event-ruler knows more (wildcard, ...) that SNS refuses. */
function validateRule(rule: unknown, fail: (reason: string) => never): void {
  if (rule === null || typeof rule === 'string' || typeof rule === 'boolean' || typeof rule === 'number') return;
  if (typeof rule !== 'object' || Array.isArray(rule)) fail('Match value must be String, number, true, false, or null');
  const entries = Object.entries(rule as Record<string, unknown>);
  if (entries.length !== 1) fail('Only one key allowed in match expression');
  const [operator, value] = entries[0] as [string, unknown];
  switch (operator) {
    case 'equals-ignore-case':
    case 'prefix':
    case 'suffix':
      if (typeof value !== 'string') fail(`${operator} match pattern must be a string`);
      return;
    case 'anything-but':
      if (Array.isArray(value)) {
        for (const item of value) {
          if (typeof item !== 'string' && typeof item !== 'number') fail('Inside anything but list, start|null|boolean is not supported.');
        }
        return;
      }
      if (typeof value === 'object' && value !== null) {
        for (const [inner, operand] of Object.entries(value)) {
          // SNS takes anything-but with a prefix only (recorded on AWS: a suffix is refused).
          if (inner !== 'prefix') fail(`Unsupported anything-but pattern: ${inner}`);
          if (typeof operand !== 'string') fail(`${inner} match pattern must be a string`);
        }
        return;
      }
      if (typeof value !== 'string' && typeof value !== 'number')
        fail('Value of anything-but must be an array or single string/number value.');
      return;
    case 'exists':
      if (typeof value !== 'boolean') fail('exists match pattern must be either true or false.');
      return;
    case 'numeric':
      validateNumeric(value, fail);
      return;
    case 'cidr':
      if (typeof value !== 'string') fail('prefix match pattern must be a string');
      return;
    default:
      fail(`Unrecognized match type ${operator}`);
  }
}

function validateNumeric(value: unknown, fail: (reason: string) => never): void {
  if (!Array.isArray(value) || value.length === 0) fail('Invalid member in numeric match: ]');
  const [operator, operand, secondOperator, secondOperand, ...rest] = value as unknown[];
  if (typeof operator !== 'string') fail(`Invalid member in numeric match: ${String(operator)}`);
  if (!NUMERIC_OPERATORS.has(operator as string)) fail(`Unrecognized numeric range operator: ${String(operator)}`);
  if (typeof operand !== 'number') fail(`Value of ${operator === '=' ? 'equals' : operator} must be numeric`);
  if (value.length === 2) return;
  if (operator !== '>' && operator !== '>=') fail('Too many elements in numeric expression');
  if (typeof secondOperator !== 'string') fail(`Bad value in numeric range: ${String(secondOperator)}`);
  if (secondOperator !== '<' && secondOperator !== '<=') fail(`Bad numeric range operator: ${String(secondOperator)}`);
  if (typeof secondOperand !== 'number') fail(`Value of ${secondOperator} must be numeric`);
  if ((secondOperand as number) <= (operand as number)) fail('Bottom must be less than top');
  if (rest.length > 0) fail('Too many terms in numeric range expression');
}

/** Whether a message passes the policy, in the policy's scope. */
export function matchesFilterPolicy(
  policy: CompiledFilterPolicy,
  message: { readonly body: string; readonly attributes: Readonly<Record<string, StoredAttribute>> },
): boolean {
  if (policy.scope === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      return false;
    }
    return typeof body === 'object' && body !== null && !Array.isArray(body) && matchesPattern(policy.pattern, body);
  }
  const values = attributeValues(message.attributes);
  return policy.branches.some((branch) => branch.every((condition) => attributePasses(condition, values)));
}

/** A flat policy's `$or` alternatives multiplied out: `{a, $or: [{b}, {c}]}` is `[{a, b}, {a, c}]`. */
function attributeBranches(policy: Record<string, unknown>): AttributeCondition[][] {
  let branches: AttributeCondition[][] = [[]];
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or' && Array.isArray(value)) {
      const alternatives = value.flatMap((alternative) => attributeBranches(alternative as Record<string, unknown>));
      branches = branches.flatMap((branch) => alternatives.map((alternative) => [...branch, ...alternative]));
    } else {
      const rules = (value as unknown[]).map(attributeRule);
      branches = branches.map((branch) => [...branch, { name: key, rules }]);
    }
  }
  return branches;
}

function attributeRule(rule: unknown): AttributeRule {
  if (typeof rule === 'object' && rule !== null && 'exists' in rule) return { kind: 'exists', present: rule.exists === true };
  const anythingBut = typeof rule === 'object' && rule !== null && 'anything-but' in rule;
  return { kind: 'value', anythingBut, pattern: compilePattern({ value: [rule] }) };
}

/**
 * Whether an attribute passes one of its rules. Each value is tested on its own; for a
 * String.Array, a rule passes when any element passes it, except `anything-but`, which
 * passes only when no element is one it excludes (string-value-matching.html).
 */
function attributePasses(condition: AttributeCondition, values: ReadonlyMap<string, AttributeValue>): boolean {
  const attribute = values.get(condition.name);
  return condition.rules.some((rule) => {
    if (rule.kind === 'exists') return rule.present === (attribute !== undefined);
    if (attribute === undefined) return false;
    const passes = (value: unknown) => matchesPattern(rule.pattern, { value });
    if (!attribute.array) return passes(attribute.value);
    const elements = attribute.value as unknown[];
    return rule.anythingBut ? elements.length > 0 && elements.every(passes) : elements.some(passes);
  });
}

interface AttributeValue {
  readonly value: unknown;
  /** A String.Array's elements, tested one by one. */
  readonly array: boolean;
}

/** Message attributes as the values a policy sees: strings, numbers, arrays; binary ones left out. */
function attributeValues(attributes: Readonly<Record<string, StoredAttribute>>): Map<string, AttributeValue> {
  const values = new Map<string, AttributeValue>();
  for (const [name, attribute] of Object.entries(attributes)) {
    const type = attribute.DataType;
    const text = attribute.StringValue;
    if (text === undefined) continue;
    if (type === 'String.Array') {
      try {
        const array = JSON.parse(text) as unknown;
        if (Array.isArray(array)) values.set(name, { value: array, array: true });
      } catch {
        // An unparsable array matches nothing, as in SNS.
      }
    } else if (type === 'Number' || type.startsWith('Number.')) {
      const number = Number(text);
      if (Number.isFinite(number)) values.set(name, { value: number, array: false });
    } else if (type === 'String' || type.startsWith('String.')) {
      values.set(name, { value: text, array: false });
    }
  }
  return values;
}
