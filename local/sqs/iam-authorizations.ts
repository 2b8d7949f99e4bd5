import { type Input, type OperationContext, on, type ResourceOf, serviceIam, text, viaService } from '../iam/authorizations.js';

/**
 * A queue's ARN from its URL: the last path segment names the queue, the one before it its
 * account when it is 12 digits (`http://host/<account>/<name>`, whatever host the client
 * used: `localhost:4566`, `sqs.<region>.localhost.localstack.cloud`, ...), as the local SQS
 * service reads it (sqs-context.ts). AWS also takes a bare queue name.
 */
function queueArnOf(url: unknown, context: OperationContext): string {
  const parts = (text(url) ?? '')
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .split('/');
  const name = parts.at(-1) || '*';
  const previous = parts.length > 1 ? parts.at(-2) : undefined;
  const account = previous && /^\d{12}$/.test(previous) ? previous : context.accountId;
  return `arn:aws:sqs:${context.region}:${account}:${name}`;
}

const queue: ResourceOf = (input, context) => queueArnOf(input.QueueUrl, context);
/** The queue a name (and owner) would have: CreateQueue and GetQueueUrl are authorized on it. */
const named: ResourceOf = (input, context) =>
  `arn:aws:sqs:${context.region}:${text(input.QueueOwnerAWSAccountId) ?? context.accountId}:${text(input.QueueName) ?? '*'}`;
/** Message move tasks are authorized on their source queue (the dead-letter queue). */
const moveSource: ResourceOf = (input, context) => {
  const arn = text(input.SourceArn);
  if (arn) return arn;
  // CancelMessageMoveTask names only its task handle, which carries the source ARN in base64 JSON.
  try {
    const handle = JSON.parse(Buffer.from(text(input.TaskHandle) ?? '', 'base64').toString('utf8')) as { sourceArn?: unknown };
    return text(handle.sourceArn) ?? queueArnOf('*', context);
  } catch {
    // Not a handle this runtime issued: the service answers it as AWS does; IAM sees the account's queues.
    return queueArnOf('*', context);
  }
};

const sending = (input: Input, context: OperationContext) => {
  const arn = queue(input, context);
  // SendMessage asks KMS for a data key: AWS's refusal of it names kms:GenerateDataKey (re:Post, sqs-accessdenied-errors).
  return [on('sqs:SendMessage', arn), ...viaService('sqs', ['kms:GenerateDataKey'], context.queueKmsKey?.(arn), context)];
};

/**
 * How IAM authorizes SQS's requests (its module declares it): each operation is the action of
 * its name on the queue its URL names; a batch is its single action. A queue encrypted with a
 * customer-managed key also needs the key: sending kms:GenerateDataKey, receiving kms:Decrypt
 * (with `kms:ViaService`).
 */
export const sqsIam = serviceIam('sqs', {
  // SQS's messages write the action in lower case ("is not authorized to perform: sqs:sendmessage on resource: ...").
  accessDenied: { code: 'AccessDenied', status: 403, actionCase: 'lower', kms: { code: 'KMS.AccessDeniedException', status: 400 } },
  unscoped: ['ListQueues'],
  sameNamed: {
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
    StartMessageMoveTask: moveSource,
    ListMessageMoveTasks: moveSource,
    CancelMessageMoveTask: moveSource,
  },
  renamed: {
    DeleteMessageBatch: ['DeleteMessage', queue],
    ChangeMessageVisibilityBatch: ['ChangeMessageVisibility', queue],
  },
  operations: {
    SendMessage: sending,
    SendMessageBatch: sending,
    ReceiveMessage: (input, context) => {
      const arn = queue(input, context);
      return [on('sqs:ReceiveMessage', arn), ...viaService('sqs', ['kms:Decrypt'], context.queueKmsKey?.(arn), context)];
    },
  },
});
