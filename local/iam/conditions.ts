import { operatorNamed } from './condition-operators.js';
import type { RequestContext } from './policy-patterns.js';

/**
 * Whether a statement's Condition block holds for a request ("IAM JSON policy elements:
 * Condition", "Condition operators", "Single-valued vs. multivalued context keys"):
 * every operator and every key under it must hold (AND); a key holds when its request
 * value matches one of the policy's values (OR), a negated operator when it matches none.
 * A key the request lacks: a positive operator fails, a negated one holds, `...IfExists`
 * holds, `ForAllValues` holds and `ForAnyValue` fails. `Null` tests whether the key is
 * absent. Never throws: an operator IAM does not have holds for nothing.
 */
export function conditionHolds(condition: Readonly<Record<string, unknown>>, context: RequestContext, variables: boolean): boolean {
  for (const operator in condition) {
    const keys = condition[operator];
    if (typeof keys !== 'object' || keys === null) return false;
    const test = operatorTest(operator);
    if (!test) return false;
    for (const key in keys as Record<string, unknown>) {
      const values = policyValues((keys as Record<string, unknown>)[key]);
      if (!test(context.get(key.toLowerCase()), values, context, variables)) return false;
    }
  }
  return true;
}

type KeyTest = (request: readonly string[] | undefined, policy: readonly string[], context: RequestContext, variables: boolean) => boolean;

const tests = new Map<string, KeyTest | undefined>();

/** The test an operator name (`ForAnyValue:StringLikeIfExists`, `Null`) makes of one key; undefined when IAM has no such operator. */
function operatorTest(name: string): KeyTest | undefined {
  if (!tests.has(name)) tests.set(name, readOperator(name));
  return tests.get(name);
}

function readOperator(name: string): KeyTest | undefined {
  const match = /^(?:(ForAllValues|ForAnyValue):)?([A-Za-z]+)$/i.exec(name);
  if (!match) return undefined;
  const set = match[1]?.toLowerCase() as 'forallvalues' | 'foranyvalue' | undefined;
  let base = (match[2] as string).toLowerCase();
  if (base === 'null') return set === undefined ? nullTest : undefined;
  const ifExists = base.endsWith('ifexists');
  if (ifExists) base = base.slice(0, -'ifexists'.length);
  const operator = operatorNamed(base);
  if (!operator) return undefined;
  const { compare, negated } = operator;
  return (request, policy, context, variables) => {
    if (request === undefined || request.length === 0) {
      if (ifExists || set === 'forallvalues') return true;
      if (set === 'foranyvalue') return false;
      return negated;
    }
    // A request value holds when it matches one of the policy's values, or, negated, differs from each of them.
    const holds = negated
      ? (value: string) => policy.every((p) => compare(value, p, context, variables) === false)
      : (value: string) => policy.some((p) => compare(value, p, context, variables) === true);
    if (set === 'forallvalues') return request.every(holds);
    if (set === 'foranyvalue') return request.some(holds);
    // A single-valued key has one value; should a service give several, the negated operator holds only when each differs.
    return negated ? request.every(holds) : request.some(holds);
  };
}

/** `Null`: "true" holds when the key is absent, "false" when it is present (a multivalued key with an empty list is present). */
const nullTest: KeyTest = (request, policy) => {
  const absent = request === undefined;
  return policy.some((value) => (value.toLowerCase() === 'true') === absent);
};

function policyValues(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v) => v !== undefined && v !== null && typeof v !== 'object').map(String);
}
