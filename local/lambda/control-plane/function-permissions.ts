import { AwsError } from '../../endpoint/aws-error.js';
import type { PolicyDocument } from '../../iam/policy-documents.js';
import { permissionStatement } from '../../iam/resource-statements.js';
import type { LoadedResource } from '../../template/load.js';
import { stableUuid } from '../../template/resolve.js';
import type { FunctionDefinition, FunctionPolicy } from '../core/function-definition.js';
import { parseFunctionName, requestQualifier } from '../core/function-reference.js';
import { checkRevision, newRevision } from './function-requests.js';

// AddPermission, RemovePermission and GetPolicy: a resource-based
// policy for the function itself and one for each of its versions and aliases, as the API
// reference documents them and AWS answers them (test/conformance/aws-recorded/lambda/).

type Input = Readonly<Record<string, unknown>>;

/** The key of the function's own policy in `policies` (a version's or alias's is its qualifier). */
const FUNCTION_ITSELF = '';

/** An alias's name, which a qualifier that is not a version number is read as. */
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9-_]+$/;

const noSuchPolicy = (cause?: unknown) =>
  new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404, cause === undefined ? undefined : { cause });

/** The policy a call names: the function's own or a version's or an alias's, with the ARN its statements are on. */
interface PolicyTarget {
  readonly key: string;
  readonly resource: string;
  /** The RevisionId a first statement is checked against: the function's, the version's or the alias's own. */
  readonly revisionId: string | undefined;
}

/**
 * The policy `FunctionName` and `Qualifier` name on `definition`: the qualifier may come with
 * the name (`f:alias`) or as the parameter, not both differently.
 * @throws AwsError InvalidParameterValueException, ResourceNotFoundException
 */
function targetOf(definition: FunctionDefinition, input: Input): PolicyTarget {
  const { qualifier } = requestQualifier(String(input.FunctionName ?? ''), input.Qualifier);
  if (qualifier === undefined) return { key: FUNCTION_ITSELF, resource: definition.arn, revisionId: definition.api?.revisionId };
  const resource = `${definition.arn}:${qualifier}`;
  if (ALIAS_NAME.test(qualifier)) {
    const alias = definition.aliases?.find((a) => a.name === qualifier);
    if (!alias) throw new AwsError('ResourceNotFoundException', `Cannot find alias arn: ${resource}`, 404);
    return { key: qualifier, resource, revisionId: alias.revisionId };
  }
  const version = definition.published?.[qualifier];
  if (qualifier !== '$LATEST' && !version) throw new AwsError('ResourceNotFoundException', `Function not found: ${resource}`, 404);
  return { key: qualifier, resource, revisionId: version?.api?.revisionId };
}

/** A Principal as Lambda takes it: `*`, an account, an ARN or a service principal (`s3.amazonaws.com`). */
function checkPrincipal(principal: unknown): void {
  const who = String(principal ?? '');
  const valid = who === '*' || /^\d{12}$/.test(who) || who.startsWith('arn:') || /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(who);
  if (!valid) {
    throw new AwsError('InvalidParameterValueException', 'The provided principal was invalid. Please check the principal and try again.');
  }
}

/** `definition` with the policy at `key` replaced (none: removed) at a new revision, which the function's own shares with it. */
function withPolicy(definition: FunctionDefinition, key: string, statements: readonly Record<string, unknown>[]): FunctionDefinition {
  const revisionId = newRevision();
  const { [key]: _replaced, ...others } = definition.policies ?? {};
  const policies = statements.length === 0 ? others : { ...others, [key]: { revisionId, statements } };
  const api = definition.api && key === FUNCTION_ITSELF ? { ...definition.api, revisionId } : definition.api;
  return { ...definition, policies, ...(api ? { api } : {}) };
}

/** The revision a permission call's RevisionId must match: its policy's, else (no policy yet) its target's own. */
function checkPolicyRevision(given: unknown, policy: FunctionPolicy | undefined, target: PolicyTarget): void {
  checkRevision(given, policy?.revisionId ?? target.revisionId, 'GetPolicy');
}

/**
 * AddPermission: a statement added to the policy the call names; the function (its statement).
 * @throws AwsError for a statement id already used, a principal Lambda refuses, `$LATEST`, a stale RevisionId
 */
export function addPermission(definition: FunctionDefinition, input: Input): { definition: FunctionDefinition; statement: object } {
  const target = targetOf(definition, input);
  if (target.key === '$LATEST') {
    throw new AwsError('InvalidParameterValueException', 'We currently do not support adding policies for $LATEST.');
  }
  checkPrincipal(input.Principal);
  const policy = definition.policies?.[target.key];
  checkPolicyRevision(input.RevisionId, policy, target);
  const sid = String(input.StatementId);
  if (policy?.statements.some((s) => s.Sid === sid)) {
    throw new AwsError(
      'ResourceConflictException',
      `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      409,
    );
  }
  const statement = permissionStatement(sid, input, target.resource);
  return { definition: withPolicy(definition, target.key, [...(policy?.statements ?? []), statement]), statement };
}

/**
 * RemovePermission: the statement taken out of the policy the call names (a policy left empty is no policy).
 * @throws AwsError ResourceNotFoundException for no policy or no such statement, PreconditionFailedException
 */
export function removePermission(definition: FunctionDefinition, input: Input): FunctionDefinition {
  const target = targetOf(definition, input);
  const policy = definition.policies?.[target.key];
  if (!policy) throw new AwsError('ResourceNotFoundException', 'No policy is associated with the given resource.', 404);
  checkPolicyRevision(input.RevisionId, policy, target);
  const sid = String(input.StatementId);
  const kept = policy.statements.filter((s) => s.Sid !== sid);
  if (kept.length === policy.statements.length) {
    throw new AwsError('ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`, 404);
  }
  return withPolicy(definition, target.key, kept);
}

/**
 * GetPolicy: the policy document as text, and its RevisionId.
 * @throws AwsError ResourceNotFoundException for a function, version, alias or policy that does not exist
 */
export function policyAnswer(definition: FunctionDefinition | undefined, input: Input): { Policy: string; RevisionId: string } {
  if (!definition) throw noSuchPolicy();
  let target: PolicyTarget;
  try {
    target = targetOf(definition, input);
  } catch (error) {
    if (error instanceof AwsError && error.code === 'ResourceNotFoundException') throw noSuchPolicy(error);
    throw error;
  }
  const policy = definition.policies?.[target.key];
  if (!policy) throw noSuchPolicy();
  return { Policy: JSON.stringify(policyDocument(policy)), RevisionId: policy.revisionId };
}

/** A policy as its document: GetPolicy's `Policy`, and what IAM evaluates. */
const policyDocument = (policy: FunctionPolicy): PolicyDocument => ({
  Version: '2012-10-17',
  Id: 'default',
  Statement: policy.statements as unknown as PolicyDocument['Statement'],
});

/**
 * Hands the policies AddPermission wrote on the functions the API made to IAM, which evaluates a
 * call to the function (its URL, another service's invocation) against them as it does the
 * template's `AWS::Lambda::Permission`s: each function's and each version's and alias's, the
 * ones a change removed taken back.
 */
export class ApiPolicies {
  /** The resources each function's policies are on, as last handed over. */
  readonly #set = new Map<string, readonly string[]>();

  constructor(private readonly onPolicyChange: ((resourceArn: string, policy: PolicyDocument | undefined) => void) | undefined) {}

  apply(definition: FunctionDefinition): void {
    if (definition.api === undefined || this.onPolicyChange === undefined) return;
    const policies = Object.entries(definition.policies ?? {}).map(([key, policy]) => ({
      arn: key === FUNCTION_ITSELF ? definition.arn : `${definition.arn}:${key}`,
      policy,
    }));
    for (const arn of this.#set.get(definition.name) ?? []) {
      if (!policies.some((p) => p.arn === arn)) this.onPolicyChange(arn, undefined);
    }
    for (const { arn, policy } of policies) this.onPolicyChange(arn, policyDocument(policy));
    this.#set.set(
      definition.name,
      policies.map((p) => p.arn),
    );
  }

  /** A deleted function's policies go with it. */
  forget(name: string): void {
    for (const arn of this.#set.get(name) ?? []) this.onPolicyChange?.(arn, undefined);
    this.#set.delete(name);
  }
}

/** `definition` without the policy of a version or alias that is deleted. */
export function withoutPolicyOf(definition: FunctionDefinition, qualifier: string): FunctionDefinition {
  if (definition.policies?.[qualifier] === undefined) return definition;
  const { [qualifier]: _deleted, ...policies } = definition.policies;
  return { ...definition, policies };
}

/**
 * The template's `AWS::Lambda::Permission`s as the policies GetPolicy shows, on their functions
 * (a qualified FunctionName: on that version's or alias's policy), each statement as CloudFormation's
 * AddPermission wrote it (its Sid the permission's logical id, as the local IAM names it).
 */
export function applyTemplatePermissions(functions: FunctionDefinition[], permissions: readonly LoadedResource[]): void {
  const byName = new Map<string, Map<string, LoadedResource[]>>();
  for (const r of permissions) {
    const named = (r.properties as Record<string, unknown>).FunctionName;
    if (typeof named !== 'string') continue;
    const { name, qualifier = '' } = parseFunctionName(named);
    const policies = byName.get(name) ?? new Map<string, LoadedResource[]>();
    policies.set(qualifier, [...(policies.get(qualifier) ?? []), r]);
    byName.set(name, policies);
  }
  functions.forEach((fn, index) => {
    const declared = byName.get(fn.name);
    if (declared === undefined) return;
    const policies: Record<string, FunctionPolicy> = {};
    for (const [qualifier, resources] of declared) {
      const arn = qualifier === '' ? fn.arn : `${fn.arn}:${qualifier}`;
      const statements = resources.map((r) => permissionStatement(r.logicalId, r.properties as Record<string, unknown>, arn));
      // The same statements, the same revision: a synthesis that changes no permission changes no function.
      policies[qualifier === '' ? FUNCTION_ITSELF : qualifier] = { revisionId: stableUuid(JSON.stringify(statements)), statements };
    }
    functions[index] = { ...fn, policies };
  });
}
