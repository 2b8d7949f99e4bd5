import type { Random } from '../../../helpers/random.js';

/**
 * Generated IAM requests and the policies that decide them, for the differential test
 * against @cloud-copilot/iam-simulate (a devDependency, the oracle): every policy type,
 * every condition operator with IfExists and the set operators, policy variables,
 * NotAction, NotResource, NotPrincipal, principals of the same and of another account,
 * services, SCPs and RCPs. Seeded (helpers/random.ts's Random), so a failure replays with its seed.
 */

export const ACCOUNT = '111111111111';
export const OTHER = '222222222222';
const REGION = 'us-east-1';

export type Policy = { Version?: string; Statement: Record<string, unknown>[] };

/** A request and the policies that apply to it, as the oracle and our evaluation take them. */
export interface DifferentialCase {
  readonly id: number;
  readonly principal:
    | { readonly type: 'role-session'; readonly arn: string; readonly roleArn: string; readonly account: string }
    | { readonly type: 'user'; readonly arn: string; readonly account: string }
    | { readonly type: 'service'; readonly arn: string };
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies: Policy[];
  readonly permissionsBoundary?: Policy;
  readonly sessionPolicy?: Policy;
  readonly resourcePolicy?: Policy;
  readonly serviceControlPolicies?: Policy[][];
  readonly resourceControlPolicies?: Policy[][];
}

/** Actions with the resource each acts on (by account and name), and keys of their own. */
const ACTIONS: readonly { action: string; resource: (account: string, name: string) => string; keys?: readonly string[] }[] = [
  { action: 'sqs:SendMessage', resource: (a, n) => `arn:aws:sqs:${REGION}:${a}:${n}` },
  { action: 'sqs:TagQueue', resource: (a, n) => `arn:aws:sqs:${REGION}:${a}:${n}`, keys: ['aws:TagKeys', 'aws:RequestTag/team'] },
  { action: 'sqs:ListQueues', resource: () => '*' },
  { action: 's3:GetObject', resource: (_, n) => `arn:aws:s3:::${n}-bucket/home/alice/${n}.txt` },
  { action: 's3:ListBucket', resource: (_, n) => `arn:aws:s3:::${n}-bucket`, keys: ['s3:prefix'] },
  {
    action: 'kms:Decrypt',
    resource: (a, n) => `arn:aws:kms:${REGION}:${a}:key/${n}-1234`,
    keys: ['kms:ViaService', 'kms:EncryptionContextKeys'],
  },
  { action: 'dynamodb:GetItem', resource: (a, n) => `arn:aws:dynamodb:${REGION}:${a}:table/${n}`, keys: ['dynamodb:Attributes'] },
  { action: 'lambda:InvokeFunction', resource: (a, n) => `arn:aws:lambda:${REGION}:${a}:function:${n}` },
  { action: 'sns:Publish', resource: (a, n) => `arn:aws:sns:${REGION}:${a}:${n}` },
  { action: 'events:PutEvents', resource: (a, n) => `arn:aws:events:${REGION}:${a}:event-bus/${n}` },
  { action: 'sts:AssumeRole', resource: (a, n) => `arn:aws:iam::${a}:role/${n}`, keys: ['aws:TagKeys'] },
  { action: 'states:StartExecution', resource: (a, n) => `arn:aws:states:${REGION}:${a}:stateMachine:${n}` },
];
const NAMES = ['orders', 'audit', 'alice'];
const SERVICES = ['events.amazonaws.com', 'sns.amazonaws.com', 's3.amazonaws.com', 'lambda.amazonaws.com'];

/** The context keys requests carry, each with the values a request may hold and the kind of operator that tests it. */
const KEYS: Readonly<Record<string, { kind: 'string' | 'arn' | 'ip' | 'date' | 'number' | 'bool' | 'multi'; values: readonly string[] }>> =
  {
    'aws:SourceArn': {
      kind: 'arn',
      values: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/orders`, `arn:aws:sns:${REGION}:${OTHER}:audit`, `arn:aws:s3:::orders-bucket`],
    },
    'aws:SourceAccount': { kind: 'string', values: [ACCOUNT, OTHER] },
    'aws:PrincipalTag/team': { kind: 'string', values: ['red', 'blue', 'Red', ''] },
    'aws:SourceIp': { kind: 'ip', values: ['203.0.113.7', '198.51.100.20', '2001:db8::1'] },
    'aws:CurrentTime': { kind: 'date', values: ['2024-06-01T12:00:00Z', '2030-01-01T00:00:00Z'] },
    'aws:EpochTime': { kind: 'number', values: ['1717243200', '1893456000'] },
    'aws:MultiFactorAuthAge': { kind: 'number', values: ['30', '7200', '3600'] },
    'aws:SecureTransport': { kind: 'bool', values: ['true', 'false'] },
    'aws:TagKeys': { kind: 'multi', values: ['team', 'owner', 'cost'] },
    'aws:RequestTag/team': { kind: 'string', values: ['red', 'blue'] },
    's3:prefix': { kind: 'string', values: ['home/', 'home/alice/', 'private/', ''] },
    'kms:ViaService': { kind: 'string', values: [`sqs.${REGION}.amazonaws.com`, `sns.${REGION}.amazonaws.com`] },
    'kms:EncryptionContextKeys': { kind: 'multi', values: ['tenant', 'purpose'] },
    'dynamodb:Attributes': { kind: 'multi', values: ['ID', 'Message', 'UserName'] },
    // Derived from the principal by the evaluation (request-context.ts): conditions test them, requests never supply them.
    'aws:PrincipalArn': {
      kind: 'arn',
      values: [`arn:aws:iam::${ACCOUNT}:role/Worker`, `arn:aws:iam::${OTHER}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/*`],
    },
    'aws:PrincipalAccount': { kind: 'string', values: [ACCOUNT, OTHER] },
    'aws:username': { kind: 'string', values: ['alice', 'bob'] },
    'aws:PrincipalType': { kind: 'string', values: ['AssumedRole', 'User'] },
    'aws:PrincipalIsAWSService': { kind: 'bool', values: ['true', 'false'] },
    'aws:PrincipalServiceName': { kind: 'string', values: ['events.amazonaws.com', 's3.amazonaws.com'] },
  };
const DERIVED = new Set([
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:username',
  'aws:PrincipalType',
  'aws:PrincipalIsAWSService',
  'aws:PrincipalServiceName',
]);
const GLOBAL_KEYS = Object.keys(KEYS).filter((key) => key.startsWith('aws:') && !['aws:TagKeys', 'aws:RequestTag/team'].includes(key));

const OPERATORS: Readonly<Record<string, readonly string[]>> = {
  string: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'StringLike', 'StringEquals'],
  ip: ['IpAddress', 'NotIpAddress'],
  date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  number: [
    'NumericEquals',
    'NumericNotEquals',
    'NumericLessThan',
    'NumericLessThanEquals',
    'NumericGreaterThan',
    'NumericGreaterThanEquals',
  ],
  bool: ['Bool'],
  multi: ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase'],
};

/** Policy values for a key: some that match what requests hold, some patterns, some variables. */
function policyValuesFor(random: Random, key: string, kind: string, operator: string): string[] {
  const spec = KEYS[key] as (typeof KEYS)[string];
  const like = /Like$/.test(operator.replace(/IfExists$/, ''));
  const candidates: string[] = [...spec.values];
  if (kind === 'ip') candidates.push('203.0.113.0/24', '198.51.100.0/28', '2001:db8::/32', '10.0.0.0/8');
  if (kind === 'date') candidates.push('2025-01-01T00:00:00Z', '1735689600', '2024-06-01');
  if (kind === 'number') candidates.push('3600', '1800.5', '1800000000');
  if (kind === 'arn') candidates.push(`arn:aws:events:${REGION}:${ACCOUNT}:rule/*`, `arn:aws:*:*:${OTHER}:*`, 'arn:aws:s3:::orders-*');
  if (kind === 'string' || kind === 'multi' || kind === 'arn') {
    if (like) candidates.push('*', 're?', 'home/*', 'tea*', 'ord*');
    candidates.push('${aws:PrincipalTag/team}', '${aws:SourceAccount}', "${aws:username, 'alice'}", 'RED', '${aws:PrincipalAccount}');
    if (key === 's3:prefix') candidates.push('home/${aws:username}/', "home/${aws:PrincipalTag/team, 'none'}/");
  }
  return random.some(candidates, 3);
}

function condition(random: Random, keys: readonly string[]): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < (random.chance(0.7) ? 1 : 2); i++) {
    const key = random.pick(keys);
    const kind = (KEYS[key] as (typeof KEYS)[string]).kind;
    if (random.chance(0.08)) {
      result.Null = { ...result.Null, [key]: random.pick(['true', 'false']) };
      continue;
    }
    let operator = random.pick(OPERATORS[kind] as readonly string[]);
    if (kind === 'multi' || random.chance(0.1)) operator = `${random.pick(['ForAllValues', 'ForAnyValue'])}:${operator}`;
    if (random.chance(0.2)) operator = `${operator}IfExists`;
    const values = policyValuesFor(random, key, kind, operator);
    result[operator] = { ...result[operator], [key]: values.length === 1 && random.chance(0.5) ? values[0] : values };
  }
  return result;
}

function actionPattern(random: Random, action: string): string | string[] {
  const [service, name] = action.split(':') as [string, string];
  return random.pick<string | string[]>([
    action,
    action.toLowerCase(),
    `${service}:*`,
    `${service}:${name.slice(0, 3)}*`,
    '*',
    [action, `${service}:List*`],
    'sqs:SendMessage',
    `${service}:Get*`,
    `${service}:?${name.slice(1)}`,
  ]);
}

function resourcePattern(random: Random, resource: string): string | string[] {
  if (resource === '*') return random.pick(['*', 'arn:aws:sqs:*:*:*']);
  const colon = resource.lastIndexOf(':');
  const slash = resource.indexOf('/');
  return random.pick<string | string[]>([
    resource,
    '*',
    `${resource.slice(0, colon + 1)}*`,
    `${resource.slice(0, Math.max(colon, slash) + 1)}*`,
    resource.replace(/orders|audit|alice/, 'o*'),
    resource.replace(/us-east-1/, '*').replace(/\d{12}/, '*'),
    resource.replace(/alice/g, '${aws:username}'),
    resource.replace(/orders/, "${aws:PrincipalTag/team, 'orders'}"),
    resource.replace(/\d{12}/, ACCOUNT),
    [resource, 'arn:aws:s3:::other/*'],
    resource.toUpperCase(),
  ]);
}

function principalElement(random: Random, c: Pick<DifferentialCase, 'principal'>): unknown {
  const p = c.principal;
  const account = 'account' in p ? p.account : ACCOUNT;
  const forms: unknown[] = [
    '*',
    { AWS: '*' },
    { AWS: account },
    { AWS: `arn:aws:iam::${account}:root` },
    { AWS: OTHER },
    { Service: random.pick(SERVICES) },
    { AWS: [ACCOUNT, OTHER] },
  ];
  if (p.type === 'role-session')
    forms.push({ AWS: p.roleArn }, { AWS: p.arn }, { AWS: [p.roleArn, p.arn, `arn:aws:iam::${p.account}:root`] });
  if (p.type === 'user') forms.push({ AWS: p.arn }, { AWS: [p.arn, `arn:aws:iam::${p.account}:root`] });
  if (p.type === 'service') forms.push({ Service: p.arn }, { Service: [p.arn, 'sqs.amazonaws.com'] });
  return random.pick(forms);
}

interface StatementOptions {
  readonly principals: boolean;
  readonly keys: readonly string[];
  readonly allowBias: number;
}

function statement(random: Random, c: DifferentialCase, options: StatementOptions): Record<string, unknown> {
  const s: Record<string, unknown> = { Effect: random.chance(options.allowBias) ? 'Allow' : 'Deny' };
  if (random.chance(0.12)) s.NotAction = random.pick(['sqs:PurgeQueue', 'iam:*', c.action, 's3:*']);
  else s.Action = actionPattern(random, c.action);
  if (random.chance(0.1)) s.NotResource = resourcePattern(random, c.resource);
  else if (!options.principals || random.chance(0.9)) s.Resource = resourcePattern(random, c.resource);
  if (options.principals) {
    if (random.chance(0.1)) s.NotPrincipal = principalElement(random, c);
    else s.Principal = principalElement(random, c);
  }
  if (random.chance(0.45)) s.Condition = condition(random, options.keys);
  return s;
}

function policy(random: Random, c: DifferentialCase, options: StatementOptions, max = 3): Policy {
  const statements = Array.from({ length: 1 + Math.floor(random.next() * max) }, () => statement(random, c, options));
  return { ...(random.chance(0.9) ? { Version: '2012-10-17' } : {}), Statement: statements };
}

function principalOf(random: Random): DifferentialCase['principal'] {
  const account = random.chance(0.75) ? ACCOUNT : OTHER;
  const roll = random.next();
  if (roll < 0.55) {
    const name = random.pick(['Worker', 'Reader']);
    return {
      type: 'role-session',
      arn: `arn:aws:sts::${account}:assumed-role/${name}/session`,
      roleArn: `arn:aws:iam::${account}:role/${name}`,
      account,
    };
  }
  if (roll < 0.8) return { type: 'user', arn: `arn:aws:iam::${account}:user/${random.pick(['alice', 'bob'])}`, account };
  return { type: 'service', arn: random.pick(SERVICES) };
}

/** The keys the service supplies with the request (the principal's own are the evaluation's to add). */
function contextOf(random: Random, keys: readonly string[]): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  for (const key of keys) {
    if (DERIVED.has(key) || !random.chance(0.55)) continue;
    const spec = KEYS[key] as (typeof KEYS)[string];
    context[key] =
      spec.kind === 'multi' ? (random.chance(0.15) ? [] : [...new Set(random.some(spec.values, 3))]) : random.pick(spec.values);
  }
  return context;
}

/** One generated case. */
export function generateCase(random: Random, id: number): DifferentialCase {
  const target = random.pick(ACTIONS);
  const principal = principalOf(random);
  const resourceAccount = random.chance(0.75) ? ACCOUNT : OTHER;
  const resource = target.resource(resourceAccount, random.pick(NAMES));
  const keys = [...GLOBAL_KEYS, ...(target.keys ?? [])];
  const c: DifferentialCase = {
    id,
    principal,
    action: target.action,
    resource,
    resourceAccount,
    context: contextOf(random, keys),
    identityPolicies: [],
  };
  const identity: StatementOptions = { principals: false, keys, allowBias: 0.75 };
  const withPolicies: DifferentialCase = {
    ...c,
    identityPolicies:
      principal.type === 'service' ? [] : Array.from({ length: Math.floor(random.next() * 3) }, () => policy(random, c, identity)),
    ...(principal.type !== 'service' && random.chance(0.2) ? { permissionsBoundary: policy(random, c, identity, 2) } : {}),
    ...(principal.type === 'role-session' && random.chance(0.15) ? { sessionPolicy: policy(random, c, identity, 2) } : {}),
    ...(random.chance(0.6) ? { resourcePolicy: policy(random, c, { principals: true, keys, allowBias: 0.75 }) } : {}),
    ...(random.chance(0.1) ? { serviceControlPolicies: [[policy(random, c, { ...identity, allowBias: 0.85 }, 2)]] } : {}),
    ...(random.chance(0.1) ? { resourceControlPolicies: [[rcp(random, c, keys)]] } : {}),
  };
  return withPolicies;
}

/** An RCP as AWS accepts one: Deny statements, Principal `*`, an Action that is not `*` (RCPFullAWSAccess is attached by AWS itself). */
function rcp(random: Random, c: DifferentialCase, keys: readonly string[]): Policy {
  const statements = Array.from({ length: 1 + Math.floor(random.next() * 2) }, () => {
    const { NotAction, ...s } = statement(random, c, { principals: false, keys, allowBias: 0 });
    const action = s.Action === undefined || s.Action === '*' || (Array.isArray(s.Action) && s.Action.includes('*')) ? c.action : s.Action;
    return { ...s, Action: action, Principal: '*' };
  });
  return { Version: '2012-10-17', Statement: statements };
}

/** The RCP AWS attaches to every level once RCPs are on (RCPFullAWSAccess), which the oracle adds by itself. */
export const RCP_FULL_AWS_ACCESS: Policy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
};
