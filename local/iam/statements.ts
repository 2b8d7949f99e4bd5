import { conditionHolds } from './conditions.js';
import { wildcardPattern } from './iam-catalogue.js';
import type { PolicyDocument, PolicyStatement } from './policy-documents.js';
import { arnMatches, type RequestContext } from './policy-patterns.js';

/**
 * Which statements of a policy apply to a request ("IAM JSON policy elements reference"):
 * the action is one its Action names (or NotAction does not), the resource one its
 * Resource names (or NotResource does not), the principal one its Principal names (or
 * NotPrincipal does not), and its Condition holds.
 */

/** Who makes the request, as the policies' Principal elements and condition keys name it. */
export interface EvaluationPrincipal {
  readonly type: 'role-session' | 'user' | 'federated-user' | 'root' | 'service' | 'anonymous';
  /** The session's ARN (`arn:aws:sts::1:assumed-role/Name/session`), the user's, the root's, or the service's name. */
  readonly arn: string;
  /** A role session's role, with its path (`arn:aws:iam::1:role/app/Name`). */
  readonly roleArn?: string;
  /** Its account; none for a service or an anonymous caller. */
  readonly account?: string;
}

/**
 * How directly a resource policy's Principal names the caller, which decides what an Allow
 * does in the same account ("Determining whether a request is allowed or denied within an
 * account"): `direct` (the session, the user, `*`, a service) allows whatever the caller's
 * own policies say; `role` (the role's ARN) is still capped by a permissions boundary or
 * session policy; `account` delegates to the account's identity policies.
 */
export type PrincipalLevel = 'direct' | 'role' | 'account';
const RANK: Readonly<Record<PrincipalLevel, number>> = { account: 1, role: 2, direct: 3 };

/** What a request asks, with its context keys (lower-cased). */
export interface EvaluationRequest {
  readonly principal: EvaluationPrincipal;
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

/** What a policy says of a request: an applicable Deny, an applicable Allow (and how it named the caller), or nothing. */
export interface PolicyVerdict {
  readonly deny: boolean;
  readonly allow?: PrincipalLevel;
}

const NOTHING: PolicyVerdict = { deny: false };

const list = (value: unknown): readonly unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');

const actionPatterns = new Map<string, RegExp>();

/** Whether an action pattern (`sqs:Send*`, `*`) names the action; actions match whatever their case. */
function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true;
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === action.toLowerCase();
  let regex = actionPatterns.get(pattern);
  if (!regex) {
    regex = wildcardPattern(pattern, 'i');
    actionPatterns.set(pattern, regex);
  }
  return regex.test(action);
}

/** The account an account principal names (`123456789012`, `arn:aws:iam::123456789012:root`), or undefined. */
function accountOf(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  return /^arn:[^:]+:iam::(\d{12}):root$/.exec(value)?.[1];
}

/** How the Principal element names the caller, or undefined when it does not. Wildcards name everyone only as a whole `*`. */
export function principalLevel(element: unknown, principal: EvaluationPrincipal): PrincipalLevel | undefined {
  if (element === '*') return 'direct';
  if (typeof element !== 'object' || element === null) return undefined;
  let best: PrincipalLevel | undefined;
  const better = (level: PrincipalLevel) => {
    if (!best || RANK[level] > RANK[best]) best = level;
  };
  for (const [kind, values] of Object.entries(element)) {
    for (const value of strings(values)) {
      if (kind === 'AWS') {
        if (value === '*') better('direct');
        else if (principal.type !== 'service' && principal.type !== 'anonymous') {
          if (value === principal.arn) better('direct');
          else if (principal.roleArn !== undefined && value === principal.roleArn) better('role');
          else if (principal.account !== undefined && accountOf(value) === principal.account) better('account');
        }
      } else if (kind === 'Service' && principal.type === 'service' && value.toLowerCase() === principal.arn.toLowerCase()) {
        better('direct');
      }
    }
  }
  return best;
}

/** What a Principal element names, as the caller's chain is written: ARNs, `account:<id>` for an account, a service's name. */
function namesIn(element: unknown): Set<string> {
  const names = new Set<string>();
  if (typeof element !== 'object' || element === null) return names;
  for (const [kind, values] of Object.entries(element)) {
    for (const value of strings(values)) {
      if (kind === 'Service') names.add(value.toLowerCase());
      else if (kind === 'AWS') names.add(accountOf(value) === undefined ? value : `account:${accountOf(value)}`);
    }
  }
  return names;
}

/**
 * Whether NotPrincipal leaves the caller out. AWS may check the account, then the role,
 * then the session ("AWS JSON policy elements: NotPrincipal"), so each link of the caller's
 * chain must be named; and a Deny with NotPrincipal denies any principal with a
 * permissions boundary, whatever it names ("Permissions boundaries for IAM entities").
 */
function leftOutBy(element: unknown, principal: EvaluationPrincipal, hasBoundary: boolean, effect: unknown): boolean {
  if (effect === 'Deny' && hasBoundary) return false;
  if (element === '*') return true;
  const names = namesIn(element);
  if (names.has('*')) return true;
  if (principal.type === 'service') return names.has(principal.arn.toLowerCase());
  if (principal.type === 'anonymous') return false;
  if (principal.type === 'root') return names.has(`account:${principal.account}`);
  const chain = [principal.arn, principal.roleArn, principal.account === undefined ? undefined : `account:${principal.account}`];
  return chain.every((link) => link === undefined || names.has(link));
}

/** Whether a statement's Resource (or NotResource) covers the resource; a statement with neither covers the resource it is attached to. */
function resourceCovered(statement: PolicyStatement, resource: string, context: RequestContext, variables: boolean): boolean {
  if (statement.Resource !== undefined) return strings(statement.Resource).some((r) => arnMatches(r, resource, context, variables));
  if (statement.NotResource !== undefined) return !strings(statement.NotResource).some((r) => arnMatches(r, resource, context, variables));
  return true;
}

function actionCovered(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return strings(statement.Action).some((a) => actionMatches(a, action));
  if (statement.NotAction !== undefined) return !strings(statement.NotAction).some((a) => actionMatches(a, action));
  return false;
}

/**
 * What one policy says of a request. `principals` says whether its statements name
 * principals (resource policies, RCPs) or apply to the caller they are attached to
 * (identity policies, boundaries, session policies, SCPs).
 */
export function policyVerdict(policy: PolicyDocument, request: EvaluationRequest, principals: boolean, hasBoundary = false): PolicyVerdict {
  // What is no document says nothing (the policy store hands out only documents; this keeps the evaluation from throwing on any other).
  if (typeof policy !== 'object' || policy === null) return NOTHING;
  const variables = policy.Version === '2012-10-17';
  let allow: PrincipalLevel | undefined;
  let deny = false;
  for (const statement of list(policy.Statement) as PolicyStatement[]) {
    if (typeof statement !== 'object' || statement === null) continue;
    if (statement.Effect === 'Allow' && allow === 'direct') continue;
    if (!actionCovered(statement, request.action)) continue;
    if (!resourceCovered(statement, request.resource, request.context, variables)) continue;
    let level: PrincipalLevel | undefined = 'direct';
    if (principals) {
      if (statement.Principal !== undefined) level = principalLevel(statement.Principal, request.principal);
      else if (statement.NotPrincipal !== undefined)
        level = leftOutBy(statement.NotPrincipal, request.principal, hasBoundary, statement.Effect) ? undefined : 'direct';
    }
    if (level === undefined) continue;
    if (statement.Condition !== undefined && !conditionHolds(statement.Condition, request.context, variables)) continue;
    if (statement.Effect === 'Deny') {
      deny = true;
      break;
    }
    if (statement.Effect === 'Allow' && (!allow || RANK[level] > RANK[allow])) allow = level;
  }
  if (deny) return { deny: true };
  return allow ? { deny: false, allow } : NOTHING;
}
