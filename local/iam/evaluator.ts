import { type RequestAnalysis, runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, PolicyStore } from './policy-store.js';
import { defaultKeyPolicy } from './resource-statements.js';
import type { DenialKind, IamDecision, IamRequest } from './types.js';

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

interface Inputs {
  readonly identity: readonly { readonly name: string; readonly policy: PolicyDocument }[];
  readonly boundary?: PolicyDocument;
  readonly resource?: PolicyDocument;
}

/**
 * Decides requests as AWS's policy evaluation logic does, with `@cloud-copilot/iam-simulate`
 * (explicit deny over allow; same-account identity or resource allow; service principals
 * only by resource policies; KMS key policies that must trust the account; cross-account
 * needing both sides; boundaries capping identity policies). A role's session is the
 * principal as STS names it, which a resource policy naming the role's ARN matches.
 * Decisions are cached by principal, action, resource and context until the store changes.
 * Never throws: a request the simulator cannot evaluate is refused, saying why.
 */
export class IamEvaluator {
  readonly #cache = new Map<string, Promise<IamDecision>>();
  #revision: number;

  constructor(
    private readonly store: PolicyStore,
    private readonly options: { readonly accountId: string },
  ) {
    this.#revision = store.revision;
  }

  decide(request: IamRequest): Promise<IamDecision> {
    if (request.principal.kind === 'admin') return Promise.resolve(ALLOWED);
    if (this.store.revision !== this.#revision) {
      this.#cache.clear();
      this.#revision = this.store.revision;
    }
    const key = JSON.stringify([request.principal, request.action, request.resource, request.context ?? null]);
    let decision = this.#cache.get(key);
    if (!decision) {
      decision = this.#decide(request).catch((error: unknown) => unevaluated(request, `the simulator failed: ${(error as Error).message}`));
      this.#cache.set(key, decision);
    }
    return decision;
  }

  async #decide(request: IamRequest): Promise<IamDecision> {
    const { principal, resource } = request;
    const role = principal.kind === 'role' ? principal.roleArn : undefined;
    let resourcePolicy = resource === '*' ? undefined : this.store.resourcePolicy(resource);
    // A key always has a key policy: one the app did not declare (an AWS managed key, a key made through the API) is the default one.
    if (!resourcePolicy && /^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(resource))
      resourcePolicy = defaultKeyPolicy(resourceAccount(resource, this.options.accountId)) as PolicyDocument;
    const inputs: Inputs = {
      identity: role ? this.store.identityPolicies(role) : [],
      ...(role && this.store.permissionsBoundary(role) ? { boundary: this.store.permissionsBoundary(role) } : {}),
      ...(resourcePolicy ? { resource: resourcePolicy } : {}),
    };
    let result = await this.#simulate(request, resource, inputs);
    // A wildcard-only action (`sqs:ListQueues`) is authorized on `*`, whatever resource the caller named.
    if (result.resultType === 'error' && result.errors.message === 'must.use.wildcard') result = await this.#simulate(request, '*', inputs);
    if (result.resultType === 'error' && result.errors.message === 'policy.errors') {
      // The store hands out only what evaluates; should the simulator still reject a policy, it grants nothing and the rest still decide.
      const errors = result.errors as { identityPolicyErrors?: Record<string, unknown>; resourcePolicyErrors?: unknown[] };
      result = await this.#simulate(request, resource, {
        identity: inputs.identity.filter((p) => !errors.identityPolicyErrors?.[p.name]),
        ...(inputs.boundary ? { boundary: { Version: '2012-10-17', Statement: [] } } : {}),
        ...(inputs.resource && !errors.resourcePolicyErrors?.length ? { resource: inputs.resource } : {}),
      });
    }
    if (result.resultType === 'error') return unevaluated(request, ERROR_TEXT[result.errors.message] ?? result.errors.message);
    if (result.overallResult === 'Allowed') return ALLOWED;
    const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
    return { allowed: false, denial: denialOf(request, analysis, inputs) };
  }

  #simulate(request: IamRequest, resource: string, inputs: Inputs) {
    const { principal } = request;
    return runSimulation(
      {
        request: {
          principal:
            principal.kind === 'role'
              ? assumedRoleArn(principal.roleArn, principal.sessionName)
              : principal.kind === 'service'
                ? principal.service
                : '',
          action: request.action,
          resource: { resource, accountId: resourceAccount(resource, this.options.accountId) },
          contextVariables: Object.fromEntries(
            Object.entries(request.context ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
          ),
        },
        identityPolicies: inputs.identity.map((p) => ({ name: p.name, policy: p.policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(inputs.resource ? { resourcePolicy: inputs.resource } : {}),
        ...(inputs.boundary ? { permissionBoundaryPolicies: [{ name: 'permissions boundary', policy: inputs.boundary }] } : {}),
      },
      { simulationMode: 'Strict' },
    );
  }
}

/** The simulator's errors, in words. */
const ERROR_TEXT: Readonly<Record<string, string>> = {
  'invalid.action': 'the action is not service:action or AWS has no such action',
  'invalid.service': 'AWS has no such service',
  'no.resource.types': "the resource is none of the action's resource types",
  'multiple.resource.types': "the resource matches several of the action's resource types",
  'policy.errors': 'a policy does not evaluate',
  'invalid.principal': 'the principal is not one the simulator knows',
};

/** A refusal for a request that could not be evaluated: who would have to grant it, and why it could not be decided. */
function unevaluated(request: IamRequest, why: string): IamDecision {
  return {
    allowed: false,
    denial: {
      kind: request.principal.kind === 'service' ? 'no-resource-policy' : 'no-identity-policy',
      policy: `the local IAM check could not evaluate ${request.action} on ${request.resource}: ${why}`,
    },
  };
}

/** Why the simulator refused, in the terms of AWS's AccessDenied messages. */
function denialOf(request: IamRequest, analysis: RequestAnalysis | undefined, inputs: Inputs): NonNullable<IamDecision['denial']> {
  const identity = analysis?.identityAnalysis?.result;
  const resource = analysis?.resourceAnalysis?.result;
  const boundary = analysis?.permissionBoundaryAnalysis?.result;
  if (analysis?.result === 'ExplicitlyDenied') {
    if (resource === 'ExplicitlyDenied' || resource === 'DeniedForAccount')
      return { kind: 'explicit-deny', policy: 'resource-based policy' };
    if (identity === 'ExplicitlyDenied') return { kind: 'explicit-deny', policy: 'identity-based policy' };
    if (boundary === 'ExplicitlyDenied') return { kind: 'explicit-deny', policy: 'permissions boundary' };
  }
  const resourceAllows = resource === 'Allowed' || resource === 'AllowedForAccount';
  let kind: DenialKind = 'no-identity-policy';
  if (request.principal.kind === 'service') kind = 'no-resource-policy';
  else if (identity === 'Allowed' && inputs.boundary && boundary !== 'Allowed') kind = 'permissions-boundary';
  else if (identity === 'Allowed' && request.action.startsWith('kms:')) kind = 'resource-policy-required';
  else if (identity === 'Allowed' && analysis && !analysis.sameAccount && !resourceAllows) kind = 'no-resource-policy';
  const policy = kind === 'no-identity-policy' || kind === 'permissions-boundary' ? undefined : 'resource-based policy';
  return { kind, ...(policy ? { policy } : {}) };
}
