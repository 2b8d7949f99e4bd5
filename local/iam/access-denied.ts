import type { DeniedMessageStyle } from './authorizations.js';
import type { IamDecision, IamRequest } from './types.js';

/** How AWS's messages name a principal: a role's session as STS names it, a service by its principal name. */
export function principalText(request: IamRequest): string {
  const { principal } = request;
  if (principal.kind === 'service') return principal.service;
  if (principal.kind === 'admin') return 'administrator';
  if (principal.kind === 'anonymous') return 'anonymous';
  const m = /^arn:([^:]+):iam::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(principal.roleArn);
  return m ? `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${principal.sessionName}` : principal.roleArn;
}

/**
 * An action as the service's message writes it: as IAM names it, unless the service's
 * style says otherwise (SQS writes `sqs:sendmessage`, SNS `SNS:Publish`).
 */
function actionText(action: string, style: DeniedMessageStyle | undefined): string {
  if (style?.actionCase === 'lower') return action.toLowerCase();
  if (style?.actionCase === 'upper-prefix') return action.replace(/^[^:]+:/, (prefix) => prefix.toUpperCase());
  return action;
}

/**
 * AWS's AccessDenied message for a refused request, in the forms of the IAM user guide's
 * "Troubleshoot access denied error messages": `because no <policy type> allows the <action>
 * action` for an implicit deny, `with an explicit deny in a(n) <policy type>` for an explicit
 * one. `style` is how the service whose action it is writes its messages (the action's
 * case, a quoted resource); the resource is as the request named it where the service says
 * so (`named`). A request the local check could not evaluate says so after the message.
 */
export function describeDenial(request: IamRequest, decision: IamDecision, style?: DeniedMessageStyle): string {
  const action = actionText(request.action, style);
  const resource = request.named ?? request.resource;
  const head = `User: ${principalText(request)} is not authorized to perform: ${action} on resource: ${style?.quotesResource ? `"${resource}"` : resource}`;
  const denial = decision.denial;
  const note = denial?.policy?.startsWith('the local IAM check') ? ` (${denial.policy})` : '';
  switch (denial?.kind) {
    case 'explicit-deny': {
      const policy = denial.policy ?? 'identity-based policy';
      return `${head} with an explicit deny in ${policy.startsWith('identity') ? 'an' : 'a'} ${policy}`;
    }
    case 'permissions-boundary':
      return `${head} because no permissions boundary allows the ${action} action`;
    case 'no-resource-policy':
    case 'resource-policy-required':
      return `${head} because no resource-based policy allows the ${action} action${note}`;
    default:
      return `${head} because no identity-based policy allows the ${action} action${note}`;
  }
}

/** The CDK grant that allows an action to a role, by action. */
const GRANTS: readonly (readonly [RegExp, string])[] = [
  [/^sqs:SendMessage$/, 'queue.grantSendMessages'],
  [/^sqs:(ReceiveMessage|DeleteMessage|ChangeMessageVisibility|GetQueueAttributes|GetQueueUrl)$/, 'queue.grantConsumeMessages'],
  [/^sqs:PurgeQueue$/, 'queue.grantPurge'],
  [/^sns:Publish$/, 'topic.grantPublish'],
  [/^sns:Subscribe$/, 'topic.grantSubscribe'],
  [/^events:PutEvents$/, 'bus.grantPutEventsTo'],
  [/^dynamodb:(GetItem|BatchGetItem|Query|Scan|ConditionCheckItem|DescribeTable)$/, 'table.grantReadData'],
  [/^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/, 'table.grantWriteData'],
  [/^dynamodb:(GetRecords|GetShardIterator|DescribeStream|ListStreams)$/, 'table.grantStreamRead'],
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
  [/^secretsmanager:PutSecretValue$/, 'secret.grantWrite'],
  [/^ssm:(GetParameters?|GetParametersByPath)$/, 'parameter.grantRead'],
  [/^ssm:PutParameter$/, 'parameter.grantWrite'],
  [/^logs:(CreateLogStream|PutLogEvents)$/, 'logGroup.grantWrite'],
  [
    /^bedrock:(InvokeModel|InvokeModelWithResponseStream|Converse|ConverseStream)$/,
    'a statement allowing bedrock:InvokeModel on the model',
  ],
];

/**
 * The fix when a grant would not help: a Deny wins over any grant, a permissions boundary
 * caps the role's grants, a key policy that does not trust the account ignores them, and a
 * resource of another account must name the role in its own policy. Undefined when a grant
 * is the fix.
 */
function nonGrantFix(request: IamRequest, decision: IamDecision | undefined): string | undefined {
  const { principal, action, resource } = request;
  const who = principal.kind === 'role' ? principal.roleArn : principal.kind === 'service' ? principal.service : 'the caller';
  switch (decision?.denial?.kind) {
    case 'explicit-deny':
      return `a Deny statement in the ${decision.denial.policy ?? 'identity-based policy'} wins over any grant: remove it, or narrow it (its Resource, a Condition) so that it leaves ${action} on ${resource} alone`;
    case 'permissions-boundary':
      return `the role's own policies allow it, but its permissions boundary caps them: allow ${action} on ${resource} in the boundary`;
    case 'resource-policy-required':
      return `the role's own policies allow it, but the key's policy does not let IAM policies decide: add a statement allowing ${who} ${action} to the key policy (key.addToResourcePolicy)`;
    case 'no-resource-policy':
      if (principal.kind !== 'role') return undefined;
      return `${resource} is of another account: its resource policy must allow ${who} ${action} too`;
    default:
      return undefined;
  }
}

/**
 * A short fix for a refused request: the CDK grant for a role (`queue.grantSendMessages(role)`),
 * the resource policy statement a service principal needs, or a generic grant; when a grant
 * would not help (a Deny, a permissions boundary, a key policy), what would.
 */
export function grantHint(request: IamRequest, decision?: IamDecision): string {
  const { principal, action, resource } = request;
  const other = nonGrantFix(request, decision);
  if (other) return other;
  if (principal.kind === 'anonymous') return publicGrant(action, resource);
  if (principal.kind === 'service') {
    const source = request.context?.['aws:SourceArn'];
    const condition = typeof source === 'string' ? ` with aws:SourceArn ${source}` : '';
    if (action.startsWith('kms:'))
      return `let ${principal.service} use the key in its key policy: key.grantEncryptDecrypt(new ServicePrincipal('${principal.service}'))`;
    if (action === 'lambda:InvokeFunction')
      return `fn.addPermission('...', { principal: new ServicePrincipal('${principal.service}')${typeof source === 'string' ? `, sourceArn: '${source}'` : ''} })`;
    return `add a resource policy statement allowing ${principal.service} ${action} on ${resource}${condition}`;
  }
  const grantee = principal.kind === 'role' ? principal.roleArn.slice(principal.roleArn.lastIndexOf('/') + 1) : 'role';
  const grant = GRANTS.find(([pattern]) => pattern.test(action))?.[1];
  if (grant?.includes('.')) return `${grant}(${grantee}) on ${resource}`;
  if (grant) return `${grant} to ${grantee}`;
  return `grant ${action} on ${resource} to ${grantee}`;
}

/**
 * What lets an unsigned caller in: a statement of the resource's policy naming `*`. For a
 * function URL of auth type NONE, `fn.addFunctionUrl` adds both statements Lambda asks for.
 */
function publicGrant(action: string, resource: string): string {
  if (action === 'lambda:InvokeFunctionUrl')
    return `fn.addPermission('...', { principal: new AnyPrincipal(), action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: FunctionUrlAuthType.NONE }) (fn.addFunctionUrl adds it)`;
  if (action === 'lambda:InvokeFunction')
    return `fn.addPermission('...', { principal: new AnyPrincipal(), action: 'lambda:InvokeFunction', invokedViaFunctionUrl: true }) (fn.addFunctionUrl adds it in aws-cdk-lib releases since function URLs need it, October 2025)`;
  return `add a resource policy statement allowing Principal "*" ${action} on ${resource}`;
}
