import { ANY, arnOf, type OperationContext, type OperationTable, on, sameNamed, text } from './shared.js';

/** A queue's ARN from its URL (`http://host/<account>/<name>`, any host form the endpoint answers). */
export function queueArnOf(url: unknown, context: OperationContext): string {
  const value = text(url) ?? '';
  const [account, name] = value
    .replace(/[?#].*$/, '')
    .split('/')
    .filter(Boolean)
    .slice(-2);
  if (account && name && /^\d{12}$/.test(account)) return `arn:aws:sqs:${context.region}:${account}:${name}`;
  return arnOf('sqs', context, value.split('/').pop() || '*');
}

const queue = (input: Record<string, unknown>, context: OperationContext) => queueArnOf(input.QueueUrl, context);
const named = (input: Record<string, unknown>, context: OperationContext) =>
  `arn:aws:sqs:${context.region}:${text(input.QueueOwnerAWSAccountId) ?? context.accountId}:${text(input.QueueName) ?? '*'}`;

/** A customer key's authorization through SQS (kms:ViaService), when the queue has one. */
function viaSqs(action: string, queueArn: string, context: OperationContext) {
  const key = context.queueKmsKey?.(queueArn);
  return key ? [on(action, key, { 'kms:ViaService': `sqs.${context.region}.amazonaws.com` })] : [];
}

/**
 * SQS: each operation is the action of its name on the queue; a batch is its single
 * action; sending to a queue encrypted with a customer key also needs kms:GenerateDataKey,
 * receiving kms:Decrypt (SQS's key management docs).
 */
export const sqsOperations: OperationTable = {
  ...sameNamed('sqs', {
    ReceiveMessage: queue,
    DeleteMessage: queue,
    ChangeMessageVisibility: queue,
    GetQueueAttributes: queue,
    SetQueueAttributes: queue,
    DeleteQueue: queue,
    PurgeQueue: queue,
    ListDeadLetterSourceQueues: queue,
    ListQueueTags: queue,
    TagQueue: queue,
    UntagQueue: queue,
    AddPermission: queue,
    RemovePermission: queue,
    GetQueueUrl: named,
    CreateQueue: named,
    ListQueues: ANY,
    StartMessageMoveTask: (input, context) => text(input.SourceArn) ?? arnOf('sqs', context, '*'),
    ListMessageMoveTasks: (input, context) => text(input.SourceArn) ?? arnOf('sqs', context, '*'),
    CancelMessageMoveTask: ANY,
  }),
  SendMessage: (input, context) => [
    on('sqs:SendMessage', queue(input, context)),
    ...viaSqs('kms:GenerateDataKey', queue(input, context), context),
  ],
  SendMessageBatch: (input, context) => [
    on('sqs:SendMessage', queue(input, context)),
    ...viaSqs('kms:GenerateDataKey', queue(input, context), context),
  ],
  ReceiveMessage: (input, context) => [
    on('sqs:ReceiveMessage', queue(input, context)),
    ...viaSqs('kms:Decrypt', queue(input, context), context),
  ],
  DeleteMessageBatch: (input, context) => [on('sqs:DeleteMessage', queue(input, context))],
  ChangeMessageVisibilityBatch: (input, context) => [on('sqs:ChangeMessageVisibility', queue(input, context))],
};
