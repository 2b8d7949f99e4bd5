import { rcpApplies } from './iam-catalogue.js';
import type { PolicyDocument } from './policy-documents.js';
import { type EvaluationRequest, type PolicyVerdict, type PrincipalLevel, policyVerdict } from './statements.js';

/**
 * AWS's policy evaluation logic (IAM user guide, "Policy evaluation logic", "Determining
 * whether a request is allowed or denied within an account", "Cross-account policy
 * evaluation logic"), over the policies that apply to one request:
 *   1. an explicit Deny in any of them denies;
 *   2. RCPs (of the resource's account) and SCPs (of the caller's) must each allow, at every level;
 *   3. in one account, a resource policy that names the caller directly (its session, a user,
 *      `*`, a service) allows; one that names its role allows unless a permissions boundary
 *      or session policy does not; one that names the account delegates to the identity
 *      policies; KMS key policies and role trust policies must allow, as such a resource
 *      policy always must for a service principal;
 *   4. otherwise the identity policies must allow, then the permissions boundary and the
 *      session policy, where there are any;
 *   5. across accounts both sides must allow: the caller's account by its identity policies
 *      (capped by boundary and session policy), the resource's by its resource policy.
 * Never throws on a policy: what it cannot read applies to nothing.
 */

export interface EvaluationInput extends EvaluationRequest {
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly identityPolicies: readonly PolicyDocument[];
  readonly permissionsBoundary?: PolicyDocument;
  readonly sessionPolicy?: PolicyDocument;
  readonly resourcePolicy?: PolicyDocument;
  /** The SCPs of the caller's account, by level (root, OUs, account): each level must allow. */
  readonly serviceControlPolicies?: readonly (readonly PolicyDocument[])[];
  /** The RCPs of the resource's account, by level: each level must allow (for the services RCPs cover). */
  readonly resourceControlPolicies?: readonly (readonly PolicyDocument[])[];
}

/** The policy types, as the evaluation reports which one decided. */
export type PolicyType = 'identity' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp';

/** What each policy type said and what was decided. */
export interface Evaluation {
  readonly decision: 'allowed' | 'explicit-deny' | 'implicit-deny';
  /** The policy whose Deny decided (`explicit-deny`), or the one that did not allow (`implicit-deny`, the first AWS's order reaches). */
  readonly decidedBy?: PolicyType;
  readonly sameAccount: boolean;
  /** Each type's verdict; a type the request has none of is absent. */
  readonly verdicts: Readonly<Partial<Record<PolicyType, PolicyVerdict>>>;
}

/** A role's trust policy (AssumeRole*) and a KMS key's policy must allow the caller themselves; an IAM policy alone never suffices. */
export function resourcePolicyRequired(action: string, resource: string): boolean {
  if (/^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(resource)) return true;
  return /^sts:AssumeRole/i.test(action) && /^arn:[^:]+:iam::[^:]*:role\//.test(resource);
}

/** Every level must allow, and a Deny at any level denies. */
function levelsVerdict(levels: readonly (readonly PolicyDocument[])[], request: EvaluationRequest, principals: boolean): PolicyVerdict {
  let allowedEverywhere = true;
  for (const level of levels) {
    let allowed = false;
    for (const policy of level) {
      const verdict = policyVerdict(policy, request, principals);
      if (verdict.deny) return { deny: true };
      if (verdict.allow) allowed = true;
    }
    if (!allowed) allowedEverywhere = false;
  }
  return allowedEverywhere ? { deny: false, allow: 'direct' } : { deny: false };
}

function identityVerdict(policies: readonly PolicyDocument[], request: EvaluationRequest): PolicyVerdict {
  let allow = false;
  for (const policy of policies) {
    const verdict = policyVerdict(policy, request, false);
    if (verdict.deny) return verdict;
    if (verdict.allow) allow = true;
  }
  return allow ? { deny: false, allow: 'direct' } : { deny: false };
}

/** Each policy type's verdict, for the types the request has. */
function verdictsOf(input: EvaluationInput): Partial<Record<PolicyType, PolicyVerdict>> {
  const caller = input.principal.type !== 'service' && input.principal.type !== 'anonymous';
  const verdicts: Partial<Record<PolicyType, PolicyVerdict>> = {};
  if (caller) verdicts.identity = identityVerdict(input.identityPolicies, input);
  if (input.resourcePolicy) verdicts.resource = policyVerdict(input.resourcePolicy, input, true, input.permissionsBoundary !== undefined);
  if (caller && input.permissionsBoundary) verdicts.boundary = policyVerdict(input.permissionsBoundary, input, false);
  if (caller && input.sessionPolicy) verdicts.session = policyVerdict(input.sessionPolicy, input, false);
  // SCPs cap the principals of member accounts, never a service principal.
  if (caller && input.serviceControlPolicies?.length) verdicts.scp = levelsVerdict(input.serviceControlPolicies, input, false);
  if (input.resourceControlPolicies?.length && rcpApplies(input.action))
    verdicts.rcp = levelsVerdict(input.resourceControlPolicies, input, true);
  return verdicts;
}

const ORDER: readonly PolicyType[] = ['rcp', 'scp', 'resource', 'identity', 'boundary', 'session'];

export function evaluate(input: EvaluationInput): Evaluation {
  const verdicts = verdictsOf(input);
  const sameAccount = input.principal.account === input.resourceAccount;
  const result = (decision: Evaluation['decision'], decidedBy?: PolicyType): Evaluation => ({
    decision,
    ...(decidedBy ? { decidedBy } : {}),
    sameAccount,
    verdicts,
  });
  for (const type of ORDER) if (verdicts[type]?.deny) return result('explicit-deny', type);
  if (verdicts.rcp && !verdicts.rcp.allow) return result('implicit-deny', 'rcp');
  if (verdicts.scp && !verdicts.scp.allow) return result('implicit-deny', 'scp');
  const granted: PrincipalLevel | undefined = verdicts.resource?.allow;
  if (!('identity' in verdicts)) return granted ? result('allowed') : result('implicit-deny', 'resource');
  const capped = (): PolicyType | undefined => {
    if (verdicts.boundary && !verdicts.boundary.allow) return 'boundary';
    if (verdicts.session && !verdicts.session.allow) return 'session';
    return undefined;
  };
  if (!sameAccount) {
    if (!verdicts.identity?.allow) return result('implicit-deny', 'identity');
    const cap = capped();
    if (cap) return result('implicit-deny', cap);
    return granted ? result('allowed') : result('implicit-deny', 'resource');
  }
  if (granted === 'direct') return result('allowed');
  if (granted === 'role') {
    const cap = capped();
    return cap ? result('implicit-deny', cap) : result('allowed');
  }
  if (!granted && resourcePolicyRequired(input.action, input.resource)) return result('implicit-deny', 'resource');
  if (!verdicts.identity?.allow) return result('implicit-deny', 'identity');
  const cap = capped();
  return cap ? result('implicit-deny', cap) : result('allowed');
}
