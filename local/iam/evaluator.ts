import { getDenialReasons, type RequestAnalysis, runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyStore } from './policy-store.js';
import { sessionArn } from './principals.js';
import type { DenialKind, IamDecision, IamRequest } from './types.js';

const ALLOWED: IamDecision = { allowed: true };

/** The policy kinds AWS's AccessDenied messages name, by the simulator's policy type. */
const POLICY_NAMES: Readonly<Record<string, string>> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  pb: 'a permissions boundary',
};

/**
 * Decides requests as AWS's policy evaluation logic does, with `@cloud-copilot/iam-simulate`:
 * the principal's identity policies and boundary, the resource's policy, explicit deny over
 * allow, same- and cross-account rules, KMS's key-policy trust. Decisions are cached by
 * principal, action, resource and context: the policies change only with a new store.
 * Never throws: a simulation that cannot run is a refusal that says why.
 */
export class IamEvaluator {
  readonly #cache = new Map<string, Promise<IamDecision>>();

  constructor(
    private readonly store: PolicyStore,
    private readonly options: { readonly accountId: string },
  ) {}

  decide(request: IamRequest): Promise<IamDecision> {
    if (request.principal.kind === 'admin') return Promise.resolve(ALLOWED);
    const key = JSON.stringify([request.principal, request.action, request.resource, request.context ?? null]);
    let decision = this.#cache.get(key);
    if (!decision) {
      decision = this.#simulate(request).catch((error: unknown) => ({
        allowed: false,
        denial: {
          kind: 'no-identity-policy' as const,
          policy: `the local IAM check could not evaluate the request: ${(error as Error).message}`,
        },
      }));
      this.#cache.set(key, decision);
    }
    return decision;
  }

  async #simulate(request: IamRequest): Promise<IamDecision> {
    const { principal } = request;
    const role = principal.kind === 'role' ? principal.roleArn : undefined;
    const resourcePolicy = request.resource === '*' ? undefined : this.store.resourcePolicy(request.resource);
    const boundary = role ? this.store.permissionsBoundary(role) : undefined;
    const result = await runSimulation(
      {
        request: {
          principal:
            principal.kind === 'role'
              ? sessionArn(principal.roleArn, principal.sessionName)
              : principal.kind === 'service'
                ? principal.service
                : '',
          action: request.action,
          resource: { resource: request.resource, accountId: resourceAccount(request.resource, this.options.accountId) },
          contextVariables: Object.fromEntries(
            Object.entries(request.context ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
          ),
        },
        identityPolicies: role ? this.store.identityPolicies(role).map((p) => ({ name: p.name, policy: p.policy })) : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
        ...(boundary ? { permissionBoundaryPolicies: [{ name: 'permissions boundary', policy: boundary }] } : {}),
      },
      { simulationMode: 'Strict' },
    );
    if (result.resultType === 'error') {
      return {
        allowed: false,
        denial: { kind: 'no-identity-policy', policy: `the local IAM check could not evaluate the request: ${result.errors.message}` },
      };
    }
    if (result.overallResult === 'Allowed') return ALLOWED;
    const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
    return { allowed: false, denial: denialOf(request, analysis, Boolean(resourcePolicy)) };
  }
}

/** The account a resource belongs to: its ARN's, or (S3 buckets, `*`) the app's. */
function resourceAccount(arn: string, accountId: string): string {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : accountId;
}

/** Why the simulator refused, in the terms AWS's AccessDenied messages use. */
function denialOf(
  request: IamRequest,
  analysis: RequestAnalysis | undefined,
  hasResourcePolicy: boolean,
): NonNullable<IamDecision['denial']> {
  const reasons = analysis ? getDenialReasons(analysis) : [];
  const explicit = reasons.find((r) => r.denialType === 'Explicit');
  if (explicit) return { kind: 'explicit-deny', policy: POLICY_NAMES[explicit.policyType] ?? explicit.policyType };
  const blocked = new Set(reasons.map((r) => r.policyType));
  let kind: DenialKind = 'no-identity-policy';
  if (request.principal.kind === 'service') kind = 'no-resource-policy';
  else if (blocked.has('pb') && !blocked.has('identity')) kind = 'permissions-boundary';
  else if (request.action.startsWith('kms:') && hasResourcePolicy && !blocked.has('identity')) kind = 'resource-policy-required';
  else if (analysis && !analysis.sameAccount && !blocked.has('identity')) kind = 'no-resource-policy';
  return { kind };
}

const principalText = (request: IamRequest): string =>
  request.principal.kind === 'role'
    ? sessionArn(request.principal.roleArn, request.principal.sessionName)
    : request.principal.kind === 'service'
      ? request.principal.service
      : 'administrator';

/**
 * AWS's AccessDenied message for a refused request ("Troubleshoot access denied error
 * messages" in the IAM user guide): who, the action, the resource and which policy decided.
 */
export function describeDenial(request: IamRequest, decision: IamDecision): string {
  const head = `User: ${principalText(request)} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  const denial = decision.denial;
  switch (denial?.kind) {
    case 'explicit-deny':
      return `${head} with an explicit deny in ${denial.policy ?? 'an identity-based policy'}`;
    case 'permissions-boundary':
      return `${head} because no permissions boundary allows the ${request.action} action`;
    case 'no-resource-policy':
    case 'resource-policy-required':
      return `${head} because no resource-based policy allows the ${request.action} action`;
    default:
      return `${head} because no identity-based policy allows the ${request.action} action${denial?.policy ? ` (${denial.policy})` : ''}`;
  }
}

/** The CDK grant that allows an action, by action (the role's grantee is named in the hint). */
const GRANTS: readonly (readonly [RegExp, string])[] = [
  [/^sqs:SendMessage$/, 'queue.grantSendMessages'],
  [/^sqs:(ReceiveMessage|DeleteMessage|ChangeMessageVisibility|GetQueueAttributes|GetQueueUrl)$/, 'queue.grantConsumeMessages'],
  [/^sqs:PurgeQueue$/, 'queue.grantPurge'],
  [/^sns:Publish$/, 'topic.grantPublish'],
  [/^events:PutEvents$/, 'bus.grantPutEventsTo'],
  [
    /^dynamodb:(GetItem|BatchGetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator|DescribeStream)$/,
    'table.grantReadData',
  ],
  [/^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/, 'table.grantWriteData'],
  [/^lambda:InvokeFunction$/, 'fn.grantInvoke'],
  [/^states:StartExecution$/, 'stateMachine.grantStartExecution'],
  [/^states:StartSyncExecution$/, 'stateMachine.grantStartSyncExecution'],
  [/^states:(SendTaskSuccess|SendTaskFailure|SendTaskHeartbeat)$/, 'stateMachine.grantTaskResponse'],
  [/^states:(DescribeExecution|ListExecutions|GetExecutionHistory|DescribeStateMachine)$/, 'stateMachine.grantRead'],
  [/^kms:Decrypt$/, 'key.grantDecrypt'],
  [/^kms:(Encrypt|GenerateDataKey.*|ReEncrypt.*)$/, 'key.grantEncryptDecrypt'],
  [/^s3:(GetObject|ListBucket)$/, 'bucket.grantRead'],
  [/^s3:(PutObject|AbortMultipartUpload)$/, 'bucket.grantPut'],
  [/^s3:DeleteObject$/, 'bucket.grantDelete'],
  [/^secretsmanager:(GetSecretValue|DescribeSecret)$/, 'secret.grantRead'],
  [/^ssm:GetParameters?$/, 'parameter.grantRead'],
  [/^logs:(CreateLogStream|PutLogEvents)$/, 'logGroup.grantWrite'],
];

/** A short fix for a refused request: the CDK grant, or the resource policy statement a service principal needs. */
export function grantHint(request: IamRequest): string {
  const { principal, action, resource } = request;
  if (principal.kind === 'service') {
    const source = request.context?.['aws:SourceArn'];
    const condition = typeof source === 'string' ? ` with aws:SourceArn ${source}` : '';
    if (action.startsWith('kms:'))
      return `let ${principal.service} use the key in its key policy (key.grantEncryptDecrypt(new ServicePrincipal('${principal.service}')))`;
    if (action === 'lambda:InvokeFunction')
      return `fn.addPermission(..., { principal: new ServicePrincipal('${principal.service}')${condition ? `, sourceArn: '${source}'` : ''} })`;
    return `add a resource policy statement allowing ${principal.service} ${action} on ${resource}${condition} (CDK's targets and subscriptions add it; an L1 resource needs its own policy)`;
  }
  const grantee = principal.kind === 'role' ? (principal.roleArn.split('/').pop() ?? 'role') : 'role';
  const grant = GRANTS.find(([pattern]) => pattern.test(action))?.[1];
  if (grant) return `${grant}(${grantee}) on ${resource}`;
  return `${grantee}.addToPrincipalPolicy(new PolicyStatement({ actions: ['${action}'], resources: ['${resource}'] }))`;
}
