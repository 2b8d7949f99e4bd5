import { readFileSync } from 'node:fs';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import { type PolicyDocument, type PolicyStatement, usablePolicy } from './policy-documents.js';
import type { PolicyProblem } from './types.js';

export type { PolicyDocument, PolicyStatement } from './policy-documents.js';

/** AWS managed policies by path and name (`service-role/AWSLambdaBasicExecutionRole`), shipped as data. */
const AWS_MANAGED: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(new URL('./aws-managed-policies.json', import.meta.url), 'utf8')) as { policies: Record<string, unknown> }
).policies;

interface NamedPolicy {
  readonly name: string;
  readonly policy: PolicyDocument;
}

interface RoleEntry {
  readonly roleArn: string;
  readonly holder: string;
  readonly policies: NamedPolicy[];
  boundary?: PolicyDocument;
}

/** A role as `switchyard iam` lists it: its ARN, the resource that declares it, its policies' names. */
export interface StoredRole {
  readonly roleArn: string;
  readonly holder: string;
  readonly policies: readonly string[];
}

const holderOf = (r: LoadedResource) => `${r.stackName}/${r.logicalId} (${r.type})`;
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');

/**
 * The app's IAM policies as the evaluator asks for them: each role's identity policies
 * (inline, `AWS::IAM::Policy`/`RolePolicy`, customer and AWS managed) and boundary, and each
 * resource's resource policy (queue, topic and bus policies, Lambda permissions, key, bucket
 * and secret policies), keyed by the ARNs requests name. What cannot be evaluated is in
 * `problems`, never thrown.
 */
export class PolicyStore {
  readonly #roles = new Map<string, RoleEntry>();
  readonly #resourcePolicies = new Map<string, PolicyDocument>();
  readonly #problems: PolicyProblem[] = [];

  private constructor(
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  static fromApp(app: LoadedApp, options: { readonly accountId: string; readonly region: string }): PolicyStore {
    const store = new PolicyStore(options.accountId, options.region);
    const resources = app.stacks.flatMap((s) => s.resources).filter((r) => !r.customResourceProvider);
    store.#loadRoles(resources);
    store.#loadResourcePolicies(resources);
    return store;
  }

  get problems(): readonly PolicyProblem[] {
    return this.#problems;
  }

  identityPolicies(roleArn: string): readonly NamedPolicy[] {
    return this.#roles.get(roleArn)?.policies ?? [];
  }

  permissionsBoundary(roleArn: string): PolicyDocument | undefined {
    return this.#roles.get(roleArn)?.boundary;
  }

  /** The resource's policy; an S3 object's is its bucket's. */
  resourcePolicy(resourceArn: string): PolicyDocument | undefined {
    const own = this.#resourcePolicies.get(resourceArn);
    if (own || !resourceArn.startsWith('arn:aws:s3:::')) return own;
    return this.#resourcePolicies.get(resourceArn.split('/')[0] as string);
  }

  /** A policy set through the API (SetQueueAttributes `Policy`, AddPermission); undefined removes it. */
  setResourcePolicy(resourceArn: string, policy: unknown): void {
    const usable = policy === undefined ? undefined : usablePolicy(policy, resourceArn, this.#problems);
    if (usable) this.#resourcePolicies.set(resourceArn, usable);
    else this.#resourcePolicies.delete(resourceArn);
  }

  roles(): readonly StoredRole[] {
    return [...this.#roles.values()].map((r) => ({ roleArn: r.roleArn, holder: r.holder, policies: r.policies.map((p) => p.name) }));
  }

  #loadRoles(resources: readonly LoadedResource[]): void {
    const byName = new Map<string, RoleEntry>();
    const managed = new Map<string, { name: string; policy: PolicyDocument }>();
    for (const r of resources.filter((r) => r.type === 'AWS::IAM::ManagedPolicy')) {
      const policy = usablePolicy(r.properties.PolicyDocument, holderOf(r), this.#problems);
      if (policy) managed.set(r.ref, { name: `${r.stackName}/${r.logicalId}`, policy });
    }
    const managedPolicy = (arn: string, holder: string): NamedPolicy | undefined => {
      const customer = managed.get(arn);
      if (customer) return customer;
      const aws = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
      const document = aws === undefined ? undefined : (AWS_MANAGED[aws] ?? AWS_MANAGED[aws.split('/').pop() as string]);
      if (aws !== undefined && document !== undefined)
        return { name: `AWS managed ${aws}`, policy: usablePolicy(document, arn, []) as PolicyDocument };
      this.#problems.push({ holder, problem: `managed policy ${arn} is not known to the local runtime: it grants nothing here` });
      return undefined;
    };
    for (const r of resources.filter((r) => r.type === 'AWS::IAM::Role')) {
      const holder = holderOf(r);
      const roleArn = r.attributes.Arn ?? `arn:aws:iam::${this.accountId}:role/${r.ref}`;
      const entry: RoleEntry = { roleArn, holder, policies: [] };
      for (const inline of list(r.properties.Policies)) {
        const { PolicyName, PolicyDocument } = (inline ?? {}) as { PolicyName?: string; PolicyDocument?: unknown };
        const policy = usablePolicy(PolicyDocument, `${holder} policy ${PolicyName ?? '?'}`, this.#problems);
        if (policy) entry.policies.push({ name: `${r.stackName}/${r.logicalId} inline ${PolicyName ?? ''}`.trim(), policy });
      }
      for (const arn of strings(r.properties.ManagedPolicyArns)) {
        const policy = managedPolicy(arn, holder);
        if (policy) entry.policies.push(policy);
      }
      if (typeof r.properties.PermissionsBoundary === 'string')
        entry.boundary = managedPolicy(r.properties.PermissionsBoundary, holder)?.policy;
      this.#roles.set(roleArn, entry);
      byName.set(r.ref, entry);
    }
    // Policies that name their roles (by name: a role's Ref), as CDK's grants write them.
    for (const r of resources) {
      const attached =
        r.type === 'AWS::IAM::Policy' || r.type === 'AWS::IAM::ManagedPolicy'
          ? strings(r.properties.Roles)
          : r.type === 'AWS::IAM::RolePolicy'
            ? strings(r.properties.RoleName)
            : [];
      if (attached.length === 0) continue;
      const policy =
        r.type === 'AWS::IAM::ManagedPolicy'
          ? managed.get(r.ref)?.policy
          : usablePolicy(r.properties.PolicyDocument, holderOf(r), this.#problems);
      if (!policy) continue;
      for (const name of attached) {
        const role = byName.get(name) ?? byName.get(name.split('/').pop() as string);
        role?.policies.push({ name: `${r.stackName}/${r.logicalId}`, policy });
      }
    }
  }

  #loadResourcePolicies(resources: readonly LoadedResource[]): void {
    const queueArnByUrl = new Map(resources.filter((r) => r.type === 'AWS::SQS::Queue').map((q) => [q.ref, q.attributes.Arn ?? q.ref]));
    for (const r of resources) {
      const holder = holderOf(r);
      const p = r.properties;
      switch (r.type) {
        case 'AWS::SQS::QueuePolicy':
          for (const queue of strings(p.Queues)) this.#add(queueArnByUrl.get(queue) ?? queue, p.PolicyDocument, holder);
          break;
        case 'AWS::SQS::QueueInlinePolicy':
          if (typeof p.Queue === 'string') this.#add(queueArnByUrl.get(p.Queue) ?? p.Queue, p.PolicyDocument, holder);
          break;
        case 'AWS::SNS::TopicPolicy':
          for (const topic of strings(p.Topics)) this.#add(topic, p.PolicyDocument, holder);
          break;
        case 'AWS::SNS::TopicInlinePolicy':
          if (typeof p.TopicArn === 'string') this.#add(p.TopicArn, p.PolicyDocument, holder);
          break;
        case 'AWS::Events::EventBus':
          if (p.Policy !== undefined) this.#add(r.attributes.Arn ?? this.#busArn(r.ref), p.Policy, holder);
          break;
        case 'AWS::Events::EventBusPolicy':
          this.#add(this.#busArn(typeof p.EventBusName === 'string' ? p.EventBusName : 'default'), { Statement: busStatement(p) }, holder);
          break;
        case 'AWS::Lambda::Permission':
          if (typeof p.FunctionName === 'string')
            this.#add(this.#functionArn(p.FunctionName), { Statement: permissionStatement(r, this.#functionArn(p.FunctionName)) }, holder);
          break;
        case 'AWS::KMS::Key':
          if (p.KeyPolicy !== undefined && r.attributes.Arn) this.#add(r.attributes.Arn, p.KeyPolicy, holder);
          break;
        case 'AWS::S3::BucketPolicy':
          if (typeof p.Bucket === 'string') this.#add(`arn:aws:s3:::${p.Bucket}`, p.PolicyDocument, holder);
          break;
        case 'AWS::SecretsManager::ResourcePolicy':
          if (typeof p.SecretId === 'string') this.#add(p.SecretId, p.ResourcePolicy, holder);
          break;
      }
    }
  }

  /** Adds a document's statements to the resource's policy (CDK writes one per resource; several merge). */
  #add(arn: string, document: unknown, holder: string): void {
    const policy = usablePolicy(document, holder, this.#problems);
    if (!policy) return;
    const before = this.#resourcePolicies.get(arn);
    this.#resourcePolicies.set(arn, before ? { ...before, Statement: [...before.Statement, ...policy.Statement] } : policy);
  }

  #busArn(nameOrArn: string): string {
    return nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:events:${this.region}:${this.accountId}:event-bus/${nameOrArn}`;
  }

  /** A function's ARN from a permission's FunctionName: a name (`f`, `f:alias`), a partial ARN or an ARN. */
  #functionArn(name: string): string {
    if (name.startsWith('arn:')) return name;
    const partial = /^(\d{12}):function:(.+)$/.exec(name);
    if (partial) return `arn:aws:lambda:${this.region}:${partial[1]}:function:${partial[2]}`;
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }
}

/** An `AWS::Events::EventBusPolicy`: its `Statement`, or the older `Action`/`Principal`/`Condition` form. */
function busStatement(p: Record<string, unknown>): unknown {
  if (p.Statement !== undefined) return p.Statement;
  const condition = p.Condition as { Key?: string; Type?: string; Value?: string } | undefined;
  return {
    Sid: p.StatementId,
    Effect: 'Allow',
    Principal: p.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${p.Principal}:root` },
    Action: p.Action,
    Resource: '*',
    ...(condition?.Key ? { Condition: { [condition.Type ?? 'StringEquals']: { [condition.Key]: condition.Value } } } : {}),
  };
}

/** The statement Lambda's GetPolicy shows for an `AWS::Lambda::Permission`. */
function permissionStatement(r: LoadedResource, functionArn: string): PolicyStatement {
  const p = r.properties as Record<string, string | undefined>;
  const who = p.Principal ?? '';
  const principal =
    who === '*'
      ? '*'
      : /^\d{12}$/.test(who)
        ? { AWS: `arn:aws:iam::${who}:root` }
        : who.startsWith('arn:')
          ? { AWS: who }
          : { Service: who };
  const condition: Record<string, Record<string, string>> = {};
  if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': p.SourceArn };
  if (p.SourceAccount) condition.StringEquals = { ...condition.StringEquals, 'AWS:SourceAccount': p.SourceAccount };
  if (p.PrincipalOrgID) condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': p.PrincipalOrgID };
  if (p.FunctionUrlAuthType) condition.StringEquals = { ...condition.StringEquals, 'lambda:FunctionUrlAuthType': p.FunctionUrlAuthType };
  return {
    Sid: r.logicalId,
    Effect: 'Allow',
    Principal: principal,
    Action: p.Action ?? 'lambda:InvokeFunction',
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}
