import { rcpApplies } from '../../../../local/iam/iam-catalogue.js';
import { resourcePolicyRequired } from '../../../../local/iam/policy-evaluation.js';
import type { DifferentialCase, Policy } from './cases.js';
import type { Compared } from './run.js';

/**
 * Where the oracle (@cloud-copilot/iam-simulate) and our evaluation answer differently and
 * AWS's documentation sides with ours. Each names the page that says so and recognizes its
 * cases by what they hold; `without` is the case with that feature taken out, which both
 * must then answer alike (the test asks), so a known difference cannot hide another.
 */
export interface KnownDifference {
  readonly id: string;
  /** The AWS page (and its words) that side with our answer. */
  readonly doc: string;
  readonly applies: (c: DifferentialCase, compared: Compared) => boolean;
  readonly without: (c: DifferentialCase) => DifferentialCase;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const statementsOf = (policy: Policy | undefined) => policy?.Statement ?? [];
const withStatements = (policy: Policy, keep: (s: Record<string, unknown>) => boolean): Policy => ({
  ...policy,
  Statement: policy.Statement.filter(keep),
});

/** Whether a NotPrincipal names every link of the caller's chain: its own ARN, its role, its account. */
function namesWholeChain(element: unknown, c: DifferentialCase): boolean {
  const p = c.principal;
  if (element === '*' || p.type === 'service') return true;
  const aws = typeof element === 'object' && element !== null ? list((element as { AWS?: unknown }).AWS) : [];
  const account = aws.some((v) => v === p.account || v === `arn:aws:iam::${p.account}:root`);
  return aws.includes(p.arn) && (p.type !== 'role-session' || aws.includes(p.roleArn)) && account;
}

/** Whether a resource policy's Allow names the caller's session itself, or everyone (`*`). */
function grantsTheSession(c: DifferentialCase): boolean {
  const p = c.principal;
  if (p.type === 'service') return false;
  return statementsOf(c.resourcePolicy).some((s) => {
    if (s.Effect !== 'Allow') return false;
    if (s.Principal === '*') return true;
    const aws = typeof s.Principal === 'object' ? list((s.Principal as { AWS?: unknown }).AWS) : [];
    return aws.includes('*') || aws.includes(p.arn);
  });
}

type Condition = Record<string, Record<string, unknown>>;

/** The case with each policy's conditions passed through `change` (statements without one unchanged). */
function withConditions(c: DifferentialCase, change: (operator: string, key: string, values: string[]) => string[]): DifferentialCase {
  const policy = (p: Policy): Policy => ({
    ...p,
    Statement: p.Statement.map((s) => {
      if (s.Condition === undefined) return s;
      const condition: Condition = {};
      for (const [operator, keys] of Object.entries(s.Condition as Condition)) {
        condition[operator] = Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, change(operator, key, list(v).map(String))]));
      }
      return { ...s, Condition: condition };
    }),
  });
  return withPolicies(c, policy);
}

/** Every condition of the case, as operator, key and values. */
function conditionsOf(c: DifferentialCase): { operator: string; key: string; values: string[] }[] {
  const found: { operator: string; key: string; values: string[] }[] = [];
  withConditions(c, (operator, key, values) => {
    found.push({ operator, key, values });
    return values;
  });
  return found;
}

const NEGATED = /^(?:ForAllValues:|ForAnyValue:)?(StringNot|ArnNot|NotIpAddress|NumericNotEquals|DateNotEquals)/i;

/** Whether a value names a variable the case's context cannot fill (no such key, an empty value, no default). */
function hasEmptyVariable(value: string, c: DifferentialCase, principalKeys: ReadonlySet<string>): boolean {
  for (const match of value.matchAll(/\$\{([^},]+?)\s*(,\s*'[^']*')?\}/g)) {
    if (match[2] !== undefined || ['*', '?', '$'].includes(match[1] as string)) continue;
    const key = (match[1] as string).trim().toLowerCase();
    const supplied = Object.entries(c.context).find(([k]) => k.toLowerCase() === key)?.[1];
    if (principalKeys.has(key)) continue;
    if (supplied === undefined || supplied === '' || Array.isArray(supplied)) return true;
  }
  return false;
}

/** The keys our evaluation derives from the principal (request-context.ts), which always have a value for it. */
function principalKeys(c: DifferentialCase): Set<string> {
  const p = c.principal;
  if (p.type === 'service') return new Set(['aws:principalservicename', 'aws:principalisawsservice']);
  return new Set([
    'aws:principalarn',
    'aws:principalaccount',
    'aws:principaltype',
    'aws:principalisawsservice',
    ...(p.type === 'user' ? ['aws:username'] : []),
  ]);
}

/** Whether a policy's IP value is of the other family than the request's address. */
function otherFamily(value: string, address: unknown): boolean {
  return typeof address === 'string' && value.includes(':') !== address.includes(':');
}

const DEFAULTED = /\$\{[^}]*,\s*'[^']*'\s*\}/;
const DEFAULTED_ALL = /\$\{([^},]*?)\s*,\s*'[^']*'\s*\}/g;

function policiesOf(c: DifferentialCase): Policy[] {
  return [
    ...c.identityPolicies,
    ...(c.permissionsBoundary ? [c.permissionsBoundary] : []),
    ...(c.sessionPolicy ? [c.sessionPolicy] : []),
    ...(c.resourcePolicy ? [c.resourcePolicy] : []),
    ...(c.serviceControlPolicies ?? []).flat(),
    ...(c.resourceControlPolicies ?? []).flat(),
  ];
}

/** Every Resource and NotResource string of the case. */
function resourcesOf(c: DifferentialCase): string[] {
  return policiesOf(c).flatMap((p) => p.Statement.flatMap((s) => [...list(s.Resource), ...list(s.NotResource)].map(String)));
}

/** The case with each Resource and NotResource string passed through `change`. */
function withResources(c: DifferentialCase, change: (resource: string) => string): DifferentialCase {
  const policy = (p: Policy): Policy => ({
    ...p,
    Statement: p.Statement.map((s) => ({
      ...s,
      ...(s.Resource === undefined
        ? {}
        : { Resource: Array.isArray(s.Resource) ? s.Resource.map((r) => change(String(r))) : change(String(s.Resource)) }),
      ...(s.NotResource === undefined
        ? {}
        : { NotResource: Array.isArray(s.NotResource) ? s.NotResource.map((r) => change(String(r))) : change(String(s.NotResource)) }),
    })),
  });
  return withPolicies(c, policy);
}

/** The case with each policy passed through `change`. */
function withPolicies(c: DifferentialCase, change: (policy: Policy) => Policy): DifferentialCase {
  return {
    ...c,
    identityPolicies: c.identityPolicies.map(change),
    ...(c.permissionsBoundary ? { permissionsBoundary: change(c.permissionsBoundary) } : {}),
    ...(c.sessionPolicy ? { sessionPolicy: change(c.sessionPolicy) } : {}),
    ...(c.resourcePolicy ? { resourcePolicy: change(c.resourcePolicy) } : {}),
    ...(c.serviceControlPolicies ? { serviceControlPolicies: c.serviceControlPolicies.map((l) => l.map(change)) } : {}),
    ...(c.resourceControlPolicies ? { resourceControlPolicies: c.resourceControlPolicies.map((l) => l.map(change)) } : {}),
  };
}

/** The case with each condition operator renamed by `change` (operators that become the same one merge their keys). */
function withOperators(c: DifferentialCase, change: (operator: string) => string): DifferentialCase {
  return withPolicies(c, (p) => ({
    ...p,
    Statement: p.Statement.map((s) => {
      if (s.Condition === undefined) return s;
      const condition: Condition = {};
      for (const [operator, keys] of Object.entries(s.Condition as Condition)) {
        const renamed = change(operator);
        condition[renamed] = { ...condition[renamed], ...keys };
      }
      return { ...s, Condition: condition };
    }),
  }));
}

/** The case's supplied keys, lower-cased. */
function lowerKeys(c: DifferentialCase): Map<string, string | string[]> {
  return new Map(Object.entries(c.context).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Whether the request holds no value for the key (neither supplied nor derived from the principal). */
function isAbsent(context: ReadonlyMap<string, string | string[]>, key: string, c: DifferentialCase): boolean {
  const lower = key.toLowerCase();
  if (principalKeys(c).has(lower)) return false;
  const value = context.get(lower);
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'not-principal-names-part-of-the-chain',
    doc:
      'IAM user guide, "AWS JSON policy elements: NotPrincipal": "If an assumed-role user is being evaluated, AWS might validate the ' +
      'account first, then the role, and then the assumed-role user ... we strongly recommend that you explicitly include the ARN for a ' +
      'user\'s account, or include both the ARN for a role and the ARN for the account containing that role." A NotPrincipal that names ' +
      "the caller's account (or role) but not every link of its chain does not leave the caller out; the oracle leaves it out on any link.",
    applies: (c) => statementsOf(c.resourcePolicy).some((s) => s.NotPrincipal !== undefined && !namesWholeChain(s.NotPrincipal, c)),
    without: (c) => ({
      ...c,
      ...(c.resourcePolicy ? { resourcePolicy: withStatements(c.resourcePolicy, (s) => s.NotPrincipal === undefined) } : {}),
    }),
  },
  {
    id: 'rcp-of-a-service-rcps-do-not-cover',
    doc:
      'AWS Organizations user guide, "Resource control policies (RCPs)": RCPs apply to the resources of a subset of AWS services ' +
      '("List of AWS services that support RCPs", which iam-data carries as rcpSupportedServices.json); the oracle applies them to every service.',
    applies: (c) => (c.resourceControlPolicies?.length ?? 0) > 0 && !rcpApplies(c.action),
    without: ({ resourceControlPolicies, ...c }) => c,
  },
  {
    id: 'scp-and-a-service-principal',
    doc:
      'AWS Organizations user guide, "Service control policies (SCPs)": "SCPs affect only IAM users and roles that are managed by ' +
      'accounts that are part of the organization"; an AWS service principal is neither. The oracle applies SCPs to service principals.',
    applies: (c) => c.principal.type === 'service' && (c.serviceControlPolicies?.length ?? 0) > 0,
    without: ({ serviceControlPolicies, ...c }) => c,
  },
  {
    id: 'resource-policy-grants-the-session-itself',
    doc:
      'IAM user guide, "Policy evaluation logic" (resource-based policies, same account): "IAM role session – ... resource-based ' +
      'policies that grant permissions to an IAM role session ARN grant permissions directly to the assumed role session. Permissions ' +
      'granted directly to a session are not limited by an implicit deny in an identity-based policy, a permissions boundary, or session ' +
      'policy"; and "AWS JSON policy elements: Principal", All principals: a wildcard Principal with Allow grants access to all, and "For ' +
      'IAM users and role principals within your account, no other permissions are required." The oracle lets a boundary or session policy limit them.',
    applies: (c) => c.principal.type !== 'service' && c.principal.account === c.resourceAccount && grantsTheSession(c),
    without: ({ permissionsBoundary, sessionPolicy, ...c }) => c,
  },
  {
    id: 'not-resource-with-a-variable-with-no-value',
    doc:
      'IAM user guide, "IAM policy elements: Variables and tags", Policy variables with no value: "If a variable that has no value in ' +
      'the authorization context is used as part of the Resource or NotResource element of a policy, the resource that includes a policy ' +
      'variable with no value will not match any resource": such a NotResource entry excludes nothing. The oracle takes the statement as not applying.',
    applies: (c) => {
      const keys = principalKeys(c);
      return policiesOf(c).some((p) => p.Statement.some((s) => list(s.NotResource).some((r) => hasEmptyVariable(String(r), c, keys))));
    },
    without: (c) => {
      const keys = principalKeys(c);
      return withResources(c, (r) => (hasEmptyVariable(r, c, keys) ? r.replace(/\$\{[^}]*\}/g, 'no-such-value') : r));
    },
  },
  {
    id: 'trust-or-key-policy-must-allow',
    doc:
      'IAM user guide, "Policy evaluation logic": "IAM role trust policies and KMS key policies are exceptions to this logic, because ' +
      'they must explicitly allow access for principals." With no such policy, an identity policy alone does not allow; the oracle lets it.',
    applies: (c) => resourcePolicyRequired(c.action, c.resource) && c.resourcePolicy === undefined,
    without: (c) => ({
      ...c,
      // The policy that delegates to the account's IAM policies (KMS's default key policy).
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${c.resourceAccount}:root` }, Action: '*', Resource: '*' }],
      },
    }),
  },
  {
    id: 'negated-operator-and-a-variable-with-no-value',
    doc:
      'IAM user guide, "IAM policy elements: Variables and tags", Policy variables with no value: "Inverted condition operators like ' +
      'StringNotEquals or StringNotLike do match against a null value, as the value of the condition key they are testing against is ' +
      'not equal to or like the effectively null value." The oracle does not match them.',
    applies: (c) => {
      const keys = principalKeys(c);
      return conditionsOf(c).some(({ operator, values }) => NEGATED.test(operator) && values.some((v) => hasEmptyVariable(v, c, keys)));
    },
    without: (c) => {
      const keys = principalKeys(c);
      return withConditions(c, (operator, _, values) =>
        NEGATED.test(operator) ? values.map((v) => (hasEmptyVariable(v, c, keys) ? 'no-such-value' : v)) : values,
      );
    },
  },
  {
    id: 'not-ip-address-of-the-other-family',
    doc:
      'IAM user guide, "IAM JSON policy elements: Condition operators", IP address: NotIpAddress is "All IP addresses except the ' +
      'specified IP address or range", and a condition may "mix IPv4 and IPv6 addresses to cover all of your organization\'s valid IP ' +
      'addresses"; an address is never in a range of the other family, so NotIpAddress holds for it. The oracle fails it.',
    applies: (c) =>
      conditionsOf(c).some(
        ({ operator, key, values }) => /NotIpAddress/i.test(operator) && values.some((v) => otherFamily(v, c.context[key])),
      ),
    without: (c) =>
      withConditions(c, (operator, key, values) => {
        if (!/NotIpAddress/i.test(operator)) return values;
        const same = values.filter((v) => !otherFamily(v, c.context[key]));
        // A range of the address's family that holds none of the generated addresses.
        return same.length > 0 ? same : [String(c.context[key]).includes(':') ? '2001:db8:ffff::/48' : '192.0.2.0/24'];
      }),
  },
  {
    id: 'variable-with-a-default-in-a-resource',
    doc:
      'IAM user guide, "IAM policy elements: Variables and tags", Specifying default values: ' +
      '"Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, \'company-wide\'}". The oracle matches no resource with a default.',
    applies: (c) => resourcesOf(c).some((r) => DEFAULTED.test(r)),
    without: (c) => withResources(c, (r) => r.replace(DEFAULTED_ALL, '${$1}')),
  },
  {
    id: 'epoch-seconds-in-a-date-condition',
    doc:
      'IAM user guide, "IAM JSON policy elements: Condition operators", Date: "You must specify date/time values with one of the W3C ' +
      'implementations of the ISO 8601 date formats or in epoch (UNIX) time" (seconds). The oracle compares epoch values with ISO dates as milliseconds.',
    applies: (c) => conditionsOf(c).some(({ operator, values }) => /Date/i.test(operator) && values.some((v) => /^\d+$/.test(v))),
    without: (c) =>
      withConditions(c, (operator, _, values) =>
        /Date/i.test(operator)
          ? values.map((v) => (/^\d+$/.test(v) ? new Date(Number(v) * 1000).toISOString().replace('.000Z', 'Z') : v))
          : values,
      ),
  },
  {
    id: 'if-exists-with-for-any-value',
    doc:
      'IAM user guide, "IAM JSON policy elements: Condition operators", ...IfExists: "You can add IfExists to the end of any condition ' +
      'operator name except the Null condition ... If the key is not present, evaluate the condition element as true." The oracle fails ' +
      'ForAnyValue:...IfExists for a key the request does not hold.',
    applies: (c) => {
      const context = lowerKeys(c);
      return conditionsOf(c).some(({ operator, key }) => /^ForAnyValue:.*IfExists$/i.test(operator) && isAbsent(context, key, c));
    },
    without: (c) =>
      withOperators(c, (operator) => (/^ForAnyValue:.*IfExists$/i.test(operator) ? operator.replace(/IfExists$/i, '') : operator)),
  },
  {
    id: 'variables-without-version-2012-10-17',
    doc:
      'IAM user guide, "IAM policy elements: Variables and tags": "If you don\'t include the Version element and set it to an appropriate ' +
      'version date, variables like ${aws:username} are treated as literal strings in the policy." The oracle fills them in all the same.',
    applies: (c) => policiesOf(c).some((p) => p.Version !== '2012-10-17' && JSON.stringify(p).includes('${')),
    without: (c) => withPolicies(c, (p) => ({ ...p, Version: '2012-10-17' })),
  },
  {
    id: 'variable-in-an-arn-resource',
    doc:
      'IAM user guide, "IAM policy elements: Variables and tags", Resource element: "You can use a policy variable in the Resource ' +
      'element, but only in the resource portion of the ARN", as in "arn:aws:sqs:us-east-2:*:${aws:username}-queue". The oracle splits ' +
      "the ARN at the variable's own colon (aws:username) and matches no resource.",
    applies: (c) => resourcesOf(c).some((r) => /\$\{[^}]*:[^}]*\}/.test(r)),
    without: (c) => {
      const context = lowerKeys(c);
      const p = c.principal;
      if (p.type === 'user') context.set('aws:username', p.arn.slice(p.arn.lastIndexOf('/') + 1));
      if (p.type !== 'service') context.set('aws:principalaccount', p.account);
      // The variable as AWS fills it, written into the ARN; one with no value makes the ARN match nothing.
      return withResources(c, (r) =>
        r.replace(/\$\{([^},]+?)\s*(?:,\s*'([^']*)'\s*)?\}/g, (_, key: string, fallback?: string) => {
          const value = context.get(key.trim().toLowerCase());
          return typeof value === 'string' && value !== '' ? value : (fallback ?? 'no-such-value');
        }),
      );
    },
  },
  {
    id: 'not-principal-deny-and-a-permissions-boundary',
    doc:
      'IAM user guide, "Permissions boundaries for IAM entities": "The NotPrincipal element with a Deny effect will always deny any ' +
      'IAM principal that has a permissions boundary policy attached, regardless of the values specified in the NotPrincipal element."',
    applies: (c) =>
      c.permissionsBoundary !== undefined &&
      statementsOf(c.resourcePolicy).some((s) => s.Effect === 'Deny' && s.NotPrincipal !== undefined),
    without: ({ permissionsBoundary, ...c }) => c,
  },
];

/**
 * The known differences that account for a disagreement: those that apply to the case, then
 * to the case without them, and so on; undefined when, taken out, the two still disagree.
 */
export async function knownDifferencesOf(
  c: DifferentialCase,
  compared: Compared,
  compare: (c: DifferentialCase) => Promise<Compared>,
): Promise<readonly KnownDifference[] | undefined> {
  const found: KnownDifference[] = [];
  let without = c;
  for (let more = true; more; ) {
    more = false;
    for (const difference of KNOWN_DIFFERENCES) {
      if (found.includes(difference) || !difference.applies(without, compared)) continue;
      found.push(difference);
      without = difference.without(without);
      more = true;
    }
  }
  if (found.length === 0) return undefined;
  const again = await compare(without);
  return again.oracle !== undefined && again.oracle === again.ours ? found : undefined;
}
