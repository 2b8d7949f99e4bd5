import { tryParseArn } from '../names/arn.js';
import { type OperationAuthorization, type OperationContext, viaService } from './authorizations.js';

/** What a delivery to an encrypted queue or topic does with its key. */
const KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/**
 * The authorizations AWS makes when a service delivers to a target on its own behalf (a rule
 * to a queue, a topic to a queue, a bucket's notification to a function): the target's
 * resource policy must allow the service principal, with the source's ARN and account as
 * `aws:SourceArn` and `aws:SourceAccount`. A queue or topic encrypted with a customer key
 * also needs the key's policy to let the service use the key. Targets IAM has nothing to
 * say of (a log group, an ARN the runtime cannot reach) need none. `synchronous`: the service
 * waits for the target's answer (a state machine is then run with StartSyncExecution).
 */
export function deliveryAuthorizations(
  targetArn: string,
  source: { readonly arn: string; readonly account: string },
  context: Pick<OperationContext, 'queueKmsKey' | 'topicKmsKey' | 'region'>,
  synchronous = false,
): readonly OperationAuthorization[] {
  const parsed = tryParseArn(targetArn);
  if (!parsed) return [];
  const conditions = { 'aws:SourceArn': source.arn, 'aws:SourceAccount': source.account };
  const on = (action: string, resource = targetArn): OperationAuthorization => ({ action, resource, context: conditions });
  // A function's version or alias ARN has its own permissions: the resource is the ARN as given.
  switch (parsed.service) {
    case 'sqs':
      return [on('sqs:SendMessage'), ...viaService('sqs', KEY_ACTIONS, context.queueKmsKey?.(targetArn), context, conditions)];
    case 'sns':
      return [on('sns:Publish'), ...viaService('sns', KEY_ACTIONS, context.topicKmsKey?.(targetArn), context, conditions)];
    case 'lambda':
      return [on('lambda:InvokeFunction')];
    case 'states':
      // A pipe's enrichment, and its REQUEST_RESPONSE target, run an Express workflow synchronously.
      return [on(synchronous ? 'states:StartSyncExecution' : 'states:StartExecution')];
    case 'events':
      // A pipe's API destination enrichment or target is invoked, a bus put to.
      return [on(parsed.resourceType === 'api-destination' ? 'events:InvokeApiDestination' : 'events:PutEvents')];
    case 'execute-api':
      return [on('execute-api:Invoke')];
    default:
      return [];
  }
}
