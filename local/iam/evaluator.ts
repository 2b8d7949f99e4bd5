import { actionsOf, grantedOnlyOnAnyResource } from './iam-catalogue.js';
import { type Evaluation, evaluate } from './policy-evaluation.js';
import type { PolicyDocument, PolicyStore } from './policy-store.js';
import { requestContext } from './request-context.js';
import { defaultKeyPolicy } from './resource-statements.js';
import type { EvaluationPrincipal } from './statements.js';
import type { DenialKind, IamDecision, IamPrincipal, IamRequest } from './types.js';

export { describeDenial, grantHint, principalText } from './access-denied.js';

const ALLOWED: IamDecision = { allowed: true };

/** `arn:aws:sts::<account>:assumed-role/<name>/<session>`: the role's path is dropped, as STS drops it. */
function assumedRoleArn(roleArn: string, sessionName: string): string {
  const m = /^arn:([^:]+):iam::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return m ? `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${sessionName}` : roleArn;
}

/** The account a resource belongs to: its ARN's, or the app's (S3 buckets have none in their ARN, `*` neither). */
function resourceAccount(arn: string, accountId: string): string {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : accountId;
}

/** The caller as the evaluation names it: a role's session (with its role and account), a service, or an anonymous caller. */
function evaluationPrincipal(principal: Exclude<IamPrincipal, { kind: 'admin' }>): EvaluationPrincipal {
  if (principal.kind === 'service') return { type: 'service', arn: principal.service };
  if (principal.kind === 'anonymous') return { type: 'anonymous', arn: 'anonymous' };
  const account = principal.roleArn.split(':')[4];
  return {
    type: 'role-session',
    arn: assumedRoleArn(principal.roleArn, principal.sessionName),
    roleArn: principal.roleArn,
    ...(account ? { account } : {}),
  };
}

/** Why a request names nothing AWS has: the action's service or the action itself; undefined when both exist. */
function unknownRequestAction(action: string): string | undefined {
  const [service = '', name, extra] = action.split(':');
  if (name === undefined || extra !== undefined || /[*?]/.test(action)) return 'the action is not service:action';
  const actions = actionsOf(service);
  if (!actions) return 'AWS has no such service';
  return actions.has(name.toLowerCase()) ? undefined : 'AWS has no such action';
}

/**
 * Decides requests as AWS's policy evaluation logic does (policy-evaluation.ts): explicit
 * deny over allow; same-account identity or resource allow; service principals only by
 * resource policies; KMS key policies that must trust the account; cross-account needing
 * both sides; boundaries capping identity policies. A role's session is the principal as
 * STS names it, which a resource policy naming the role's ARN matches too. Decisions are
 * cached by principal, action, resource and context until the store changes (a decision
 * that read the time is not kept). Never throws: a request naming an action AWS does not
 * have is refused, saying why.
 */
export class IamEvaluator {
  readonly #cache = new Map<string, IamDecision>();
  #revision: number;

  constructor(
    private readonly store: PolicyStore,
    private readonly options: { readonly accountId: string; readonly region?: string; readonly now?: () => number },
  ) {
    this.#revision = store.revision;
  }

  decide(request: IamRequest): Promise<IamDecision> {
    try {
      return Promise.resolve(this.decideNow(request));
    } catch (error) {
      // A bug of the evaluator refuses, naming itself in the finding, rather than failing the caller's request with a 500.
      return Promise.resolve(unevaluated(request, `the evaluator failed: ${(error as Error).message}`));
    }
  }

  /** The decision, synchronously. */
  decideNow(request: IamRequest): IamDecision {
    if (request.principal.kind === 'admin') return ALLOWED;
    if (this.store.revision !== this.#revision) {
      this.#cache.clear();
      this.#revision = this.store.revision;
    }
    const key = JSON.stringify([
      request.principal,
      request.action,
      request.resource,
      request.context ?? null,
      request.onNamedResource ?? false,
    ]);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const unknown = unknownRequestAction(request.action);
    if (unknown) return unevaluated(request, unknown);
    const { decision, readTime } = this.#decide(request);
    if (!readTime) this.#cache.set(key, decision);
    return decision;
  }

  #decide(request: IamRequest): { decision: IamDecision; readTime: boolean } {
    const principal = evaluationPrincipal(request.principal as Exclude<IamPrincipal, { kind: 'admin' }>);
    // A wildcard-only action (`sqs:ListQueues`) is authorized on `*`, whatever resource the caller named,
    // unless a service checks a role's grant of it on a resource of its own (onNamedResource).
    const resource = grantedOnlyOnAnyResource(request.action) && request.onNamedResource !== true ? '*' : request.resource;
    const owner = resourceAccount(request.resource, this.options.accountId);
    const role = request.principal.kind === 'role' ? request.principal.roleArn : undefined;
    const boundary = role === undefined ? undefined : this.store.permissionsBoundary(role);
    const resourcePolicy = this.#resourcePolicy(request.resource, owner);
    const context = requestContext({
      principal,
      resourceAccount: owner,
      ...(this.options.now ? { now: this.options.now() } : {}),
      ...(this.options.region ? { region: this.options.region } : {}),
      ...(request.context ? { supplied: request.context } : {}),
    });
    const evaluation = evaluate({
      principal,
      action: request.action,
      resource,
      context,
      resourceAccount: owner,
      identityPolicies: role === undefined ? [] : this.store.identityPolicies(role).map((p) => p.policy),
      ...(boundary ? { permissionsBoundary: boundary } : {}),
      ...(resourcePolicy ? { resourcePolicy } : {}),
    });
    const decision = evaluation.decision === 'allowed' ? ALLOWED : { allowed: false, denial: denialOf(request, evaluation) };
    return { decision, readTime: context.readTime };
  }

  /** The resource's policy; a key always has one: one the app did not declare (an AWS managed key, a key made through the API) is the default one. */
  #resourcePolicy(resource: string, owner: string): PolicyDocument | undefined {
    const policy = resource === '*' ? undefined : this.store.resourcePolicy(resource);
    if (!policy && /^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(resource)) return defaultKeyPolicy(owner) as PolicyDocument;
    return policy;
  }
}

/** A refusal for a request that could not be evaluated: who would have to grant it, and why it could not be decided. */
function unevaluated(request: IamRequest, why: string): IamDecision {
  return {
    allowed: false,
    denial: {
      kind: onlyResourcePolicies(request) ? 'no-resource-policy' : 'no-identity-policy',
      policy: `the local IAM check could not evaluate ${request.action} on ${request.resource}: ${why}`,
    },
  };
}

const DENYING_POLICY: Readonly<Record<NonNullable<Evaluation['decidedBy']>, string>> = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
};

/** Why the evaluation refused, in the terms of AWS's AccessDenied messages. */
function denialOf(request: IamRequest, evaluation: Evaluation): NonNullable<IamDecision['denial']> {
  const by = evaluation.decidedBy ?? 'identity';
  if (evaluation.decision === 'explicit-deny') return { kind: 'explicit-deny', policy: DENYING_POLICY[by] };
  let kind: DenialKind = 'no-identity-policy';
  if (onlyResourcePolicies(request)) kind = 'no-resource-policy';
  else if (by === 'boundary') kind = 'permissions-boundary';
  else if (by === 'resource') kind = evaluation.sameAccount ? 'resource-policy-required' : 'no-resource-policy';
  const policy = kind === 'no-identity-policy' || kind === 'permissions-boundary' ? undefined : 'resource-based policy';
  return { kind, ...(policy ? { policy } : {}) };
}

/** A service principal or an anonymous caller has no identity policies: only a resource policy can allow it. */
function onlyResourcePolicies(request: IamRequest): boolean {
  return request.principal.kind === 'service' || request.principal.kind === 'anonymous';
}
