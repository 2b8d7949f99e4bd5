import type { IamDecision, IamRequest } from './types.js';

/** How AWS's messages name a principal: a role's session as STS names it, a service by its principal name. */
export function principalText(request: IamRequest): string {
  const { principal } = request;
  if (principal.kind === 'service') return principal.service;
  if (principal.kind === 'admin') return 'administrator';
  const m = /^arn:([^:]+):iam::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(principal.roleArn);
  return m ? `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${principal.sessionName}` : principal.roleArn;
}

/**
 * AWS's AccessDenied message for a refused request, in the forms of the IAM user guide's
 * "Troubleshoot access denied error messages": `because no <policy type> allows the <action>
 * action` for an implicit deny, `with an explicit deny in a(n) <policy type>` for an explicit
 * one. A request the local check could not evaluate says so after the message.
 */
export function describeDenial(request: IamRequest, decision: IamDecision): string {
  const head = `User: ${principalText(request)} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  const denial = decision.denial;
  const note = denial?.policy?.startsWith('the local IAM check') ? ` (${denial.policy})` : '';
  switch (denial?.kind) {
    case 'explicit-deny': {
      const policy = denial.policy ?? 'identity-based policy';
      return `${head} with an explicit deny in ${policy.startsWith('identity') ? 'an' : 'a'} ${policy}`;
    }
    case 'permissions-boundary':
      return `${head} because no permissions boundary allows the ${request.action} action`;
    case 'no-resource-policy':
    case 'resource-policy-required':
      return `${head} because no resource-based policy allows the ${request.action} action${note}`;
    default:
      return `${head} because no identity-based policy allows the ${request.action} action${note}`;
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
 * A short fix for a refused request: the CDK grant for a role (`queue.grantSendMessages(role)`),
 * the resource policy statement a service principal needs, or a generic grant.
 */
export function grantHint(request: IamRequest): string {
  const { principal, action, resource } = request;
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
