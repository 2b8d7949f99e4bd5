import { readFileSync } from 'node:fs';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { type PolicyDocument, type PolicyKind, usablePolicy } from './policy-documents.js';
import type { ResourcePolicySource } from './resource-policies.js';
import type { PolicyProblem } from './types.js';

export type { PolicyDocument, PolicyStatement } from './policy-documents.js';

/** AWS managed policies by the path and name of their ARN (`service-role/AWSLambdaBasicExecutionRole`), shipped as data. */
const AWS_MANAGED: ReadonlyMap<string, unknown> = new Map(
  Object.entries(
    (
      JSON.parse(readFileSync(new URL('./aws-managed-policies.json', import.meta.url), 'utf8')) as {
        policies: Record<string, { document: unknown }>;
      }
    ).policies,
  ).map(([key, entry]) => [key, entry.document]),
);

/** An AWS managed policy's document by its ARN; its name alone also finds it (AWS managed names are unique across paths). */
function awsManagedDocument(arn: string): unknown {
  const key = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
  if (key === undefined) return undefined;
  const name = key.split('/').pop() as string;
  return AWS_MANAGED.get(key) ?? [...AWS_MANAGED].find(([k]) => k.split('/').pop() === name)?.[1];
}

const awsManagedCache = new Map<string, PolicyDocument | undefined>();

/**
 * An AWS managed policy as the evaluator reads it. Actions iam-data does not list yet
 * (AWS adds them to its own policies first) are left out silently: they are AWS's, not the
 * app's, to fix.
 */
function awsManagedPolicy(arn: string): PolicyDocument | undefined {
  if (!awsManagedCache.has(arn)) {
    const document = awsManagedDocument(arn);
    awsManagedCache.set(arn, document === undefined ? undefined : usablePolicy(document, arn, [], 'identity'));
  }
  return awsManagedCache.get(arn);
}

export interface PolicyStoreOptions {
  readonly accountId: string;
  readonly region: string;
  /** How each resource type sets resource policies, by type: what the modules declare (`resourcePolicies`). */
  readonly resourcePolicies: ReadonlyMap<string, ResourcePolicySource>;
}

export interface NamedPolicy {
  readonly name: string;
  readonly policy: PolicyDocument;
}

/** A role as `switchyard iam` lists it: its ARN, the resource that declares it, its policies' names. */
export interface StoredRole {
  readonly roleArn: string;
  readonly holder: string;
  readonly policies: readonly string[];
}

interface RoleEntry {
  readonly roleArn: string;
  readonly holder: string;
  readonly policies: NamedPolicy[];
  boundary?: PolicyDocument;
}

/** The policy's holder, as start-up lines name a resource. */
const holderOf = whereOf;
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');
/** A role's name from its ARN: the last segment of its path (`arn:aws:iam::1:role/service/Name` is `Name`). */
const roleNameOf = (roleArn: string) => roleArn.slice(roleArn.lastIndexOf('/') + 1);

/**
 * The app's IAM policies as the evaluator asks for them: each role's identity policies
 * (inline, `AWS::IAM::Policy`, customer and AWS managed) and permissions boundary, and each
 * resource's policy (what the modules' `resourcePolicies` read: queue, topic and bus
 * policies, Lambda permissions, key, bucket and secret policies), keyed by the ARNs requests name. A policy that cannot be evaluated as
 * written is a problem naming its holder, never an exception: AWS accepts such policies
 * and they grant nothing.
 */
export class PolicyStore {
  readonly #roles = new Map<string, RoleEntry>();
  readonly #rolesByName = new Map<string, RoleEntry>();
  readonly #resourcePolicies = new Map<string, PolicyDocument>();
  readonly #problems: PolicyProblem[] = [];
  #revision = 0;

  private constructor(
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  static fromApp(app: LoadedApp, options: PolicyStoreOptions): PolicyStore {
    const store = new PolicyStore(options.accountId, options.region);
    // Custom resources' providers run only while CloudFormation deploys: their roles never call locally.
    const resources = app.stacks.flatMap((s) => s.resources).filter((r) => !r.customResourceProvider);
    store.#loadRoles(resources);
    store.#loadResourcePolicies(resources, options.resourcePolicies);
    return store;
  }

  /** Policies (or parts of them) that grant nothing as written, each naming its holder. */
  get problems(): readonly PolicyProblem[] {
    return this.#problems;
  }

  /** Grows with each change through `setResourcePolicy`: what the evaluator decided before may no longer hold. */
  get revision(): number {
    return this.#revision;
  }

  identityPolicies(roleArn: string): readonly NamedPolicy[] {
    return this.#role(roleArn)?.policies ?? [];
  }

  permissionsBoundary(roleArn: string): PolicyDocument | undefined {
    return this.#role(roleArn)?.boundary;
  }

  /** The resource's policy; an S3 object's is its bucket's, a function's `$LATEST` its unqualified ARN's. */
  resourcePolicy(resourceArn: string): PolicyDocument | undefined {
    const own = this.#resourcePolicies.get(resourceArn);
    if (own) return own;
    if (resourceArn.startsWith('arn:aws:s3:::') && resourceArn.includes('/'))
      return this.#resourcePolicies.get(resourceArn.slice(0, resourceArn.indexOf('/')));
    if (resourceArn.endsWith(':$LATEST')) return this.#resourcePolicies.get(resourceArn.slice(0, -':$LATEST'.length));
    return undefined;
  }

  /**
   * A policy set at run time (SetQueueAttributes `Policy` as JSON text, AddPermission's
   * statements); undefined removes the resource's policy. What cannot be evaluated is a
   * problem of the resource, as at start-up.
   */
  setResourcePolicy(resourceArn: string, policy: PolicyDocument | string | undefined): void {
    this.#revision++;
    const usable = policy === undefined ? undefined : usablePolicy(policy, `${resourceArn} (set at run time)`, this.#problems, 'resource');
    if (usable) this.#resourcePolicies.set(resourceArn, usable);
    else this.#resourcePolicies.delete(resourceArn);
  }

  roles(): readonly StoredRole[] {
    return [...this.#roles.values()].map((r) => ({ roleArn: r.roleArn, holder: r.holder, policies: r.policies.map((p) => p.name) }));
  }

  /** The role of an ARN; an ARN without the role's path still names it (a hand-written ARN, a session's role). */
  #role(roleArn: string): RoleEntry | undefined {
    return this.#roles.get(roleArn) ?? this.#rolesByName.get(roleNameOf(roleArn));
  }

  #usable(document: unknown, holder: string, kind: PolicyKind): PolicyDocument | undefined {
    return usablePolicy(document, holder, this.#problems, kind);
  }

  #loadRoles(resources: readonly LoadedResource[]): void {
    const customerManaged = new Map<string, NamedPolicy>();
    for (const r of resources.filter((r) => r.type === 'AWS::IAM::ManagedPolicy')) {
      const policy = this.#usable(r.properties.PolicyDocument, holderOf(r), 'identity');
      if (policy) customerManaged.set(r.ref, { name: `${r.stackName}/${r.logicalId}`, policy });
    }
    const managed = (arn: string, holder: string): NamedPolicy | undefined => {
      const customer = customerManaged.get(arn);
      if (customer) return customer;
      const policy = awsManagedPolicy(arn);
      if (policy) return { name: arn, policy };
      this.#problems.push({
        holder,
        problem: `managed policy ${arn} is not known to the local runtime (neither in the template nor among the AWS managed policies it ships): it grants nothing here`,
      });
      return undefined;
    };
    for (const r of resources.filter((r) => r.type === 'AWS::IAM::Role')) {
      const holder = holderOf(r);
      const roleArn = r.attributes.Arn ?? `arn:aws:iam::${this.accountId}:role/${r.ref}`;
      const entry: RoleEntry = { roleArn, holder, policies: [] };
      for (const inline of list(r.properties.Policies)) {
        const { PolicyName, PolicyDocument } = (inline ?? {}) as { PolicyName?: unknown; PolicyDocument?: unknown };
        const name = typeof PolicyName === 'string' ? PolicyName : '(unnamed)';
        const policy = this.#usable(PolicyDocument, `${holder} inline policy ${name}`, 'identity');
        if (policy) entry.policies.push({ name: `${r.stackName}/${r.logicalId} inline ${name}`, policy });
      }
      for (const arn of strings(r.properties.ManagedPolicyArns)) {
        const policy = managed(arn, holder);
        if (policy) entry.policies.push(policy);
      }
      if (typeof r.properties.PermissionsBoundary === 'string') {
        // A boundary that cannot be read allows nothing: AWS caps the role at what it allows.
        entry.boundary = managed(r.properties.PermissionsBoundary, holder)?.policy ?? { Statement: [] };
      }
      // The trust policy is the role's resource policy: who may assume it (sts:AssumeRole on the role).
      // CloudFormation requires it; a hand-written template may leave it out, and then nothing is said of it.
      const trustDocument = r.properties.AssumeRolePolicyDocument;
      const trust = trustDocument === undefined ? undefined : this.#usable(trustDocument, `${holder} trust policy`, 'resource');
      if (trust) this.#resourcePolicies.set(roleArn, trust);
      this.#roles.set(roleArn, entry);
      this.#rolesByName.set(r.ref, entry);
    }
    this.#attachNamedPolicies(resources, customerManaged);
  }

  /** Policies that name their roles (by name, a role's Ref), as CDK's grants write them. */
  #attachNamedPolicies(resources: readonly LoadedResource[], customerManaged: ReadonlyMap<string, NamedPolicy>): void {
    for (const r of resources) {
      const names =
        r.type === 'AWS::IAM::Policy' || r.type === 'AWS::IAM::ManagedPolicy'
          ? strings(r.properties.Roles)
          : r.type === 'AWS::IAM::RolePolicy'
            ? strings(r.properties.RoleName)
            : [];
      if (names.length === 0) continue;
      const named =
        r.type === 'AWS::IAM::ManagedPolicy'
          ? customerManaged.get(r.ref)
          : (() => {
              const policy = this.#usable(r.properties.PolicyDocument, holderOf(r), 'identity');
              return policy && { name: `${r.stackName}/${r.logicalId}`, policy };
            })();
      if (!named) continue;
      for (const name of names) {
        const role = this.#rolesByName.get(name) ?? this.#rolesByName.get(roleNameOf(name));
        // A role named twice (its ManagedPolicyArns and the policy's Roles) holds the policy once.
        if (role && !role.policies.some((p) => p.name === named.name)) role.policies.push(named);
      }
    }
  }

  #loadResourcePolicies(resources: readonly LoadedResource[], sources: ReadonlyMap<string, ResourcePolicySource>): void {
    const context = { accountId: this.accountId, region: this.region, resources };
    for (const r of resources) {
      for (const { resourceArn, document } of sources.get(r.type)?.read(r, context) ?? []) this.#add(resourceArn, document, holderOf(r));
    }
  }

  /** Adds a document's statements to the resource's policy: CDK writes one per resource, but several merge as AWS merges them. */
  #add(arn: string, document: unknown, holder: string): void {
    const policy = this.#usable(document, holder, 'resource');
    if (!policy) return;
    const before = this.#resourcePolicies.get(arn);
    this.#resourcePolicies.set(arn, before ? { ...before, Statement: [...before.Statement, ...policy.Statement] } : policy);
  }
}
