import type { TaskRequest } from '../states/engine/index.js';
import {
  abortable,
  idempotentCall,
  KEEP_ALIVE,
  missingField,
  pick,
  requiredString,
  sdkMetadata,
  serviceFailure,
  type TaskEnvironment,
} from '../states/integrations/shared.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import type { SqsQueues } from '../targets/queues.js';
import type { SqsService } from './sqs-service.js';
import type { SendMessageInput } from './sqs-types.js';

/** The Java SDK's names in the errors of `sqs:` tasks. */
const ERRORS = { prefix: 'SQS', service: 'AmazonSQS', accessDenied: 'AmazonSQSException' };

/** SQS operations in their JSON-protocol shapes (SqsService). */
export interface SqsForTasks extends SqsQueues {
  /** The task's result is SendMessage's answer. */
  SendMessage(
    input: SendMessageInput,
    options?: IdempotentCall,
  ): Promise<{ MessageId?: string; MD5OfMessageBody?: string; MD5OfMessageAttributes?: string; SequenceNumber?: string }>;
}

/** `arn:aws:states:::sqs:sendMessage`: a JSON MessageBody is sent as its text. */
async function sqsSendMessage(
  env: TaskEnvironment,
  sqs: SqsForTasks,
  args: Record<string, unknown>,
  request: TaskRequest,
): Promise<unknown> {
  const queueUrl = requiredString(args, 'QueueUrl', request);
  if (args.MessageBody === undefined) throw missingField('MessageBody', request);
  const body = typeof args.MessageBody === 'string' ? args.MessageBody : JSON.stringify(args.MessageBody);
  try {
    const { QueueUrl } = await abortable(sqs.GetQueueUrl(queueNameOf(queueUrl)), request.signal);
    const response = await abortable(
      sqs.SendMessage(
        {
          QueueUrl: QueueUrl ?? queueUrl,
          MessageBody: body,
          ...pick(args, ['DelaySeconds', 'MessageAttributes', 'MessageGroupId', 'MessageDeduplicationId']),
        },
        idempotentCall(env, request),
      ),
      request.signal,
    );
    const result: Record<string, unknown> = {};
    if (response.MD5OfMessageAttributes !== undefined) result.MD5OfMessageAttributes = response.MD5OfMessageAttributes;
    result.MD5OfMessageBody = response.MD5OfMessageBody;
    result.MessageId = response.MessageId;
    // SQS speaks AWS JSON 1.0 to the integration (AWS's recorded answers since 2024), over a kept-alive connection.
    Object.assign(result, sdkMetadata(env.clock, 'application/x-amz-json-1.0', JSON.stringify(response), 200, KEEP_ALIVE));
    if (response.SequenceNumber !== undefined) result.SequenceNumber = response.SequenceNumber;
    return result;
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw serviceFailure(ERRORS, error, sqsErrorName);
  }
}

/** The Java SDK's exception class for an SQS error code (modelled ones, else the generic one). */
function sqsErrorName(code: string): string {
  if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') return 'QueueDoesNotExistException';
  if (code === 'InvalidMessageContents') return 'InvalidMessageContentsException';
  if (code === 'UnsupportedOperation') return 'UnsupportedOperationException';
  return 'AmazonSQSException';
}

/** `https://host/<account>/<name>` → the GetQueueUrl request for that queue. */
function queueNameOf(queueUrl: string): { QueueName: string; QueueOwnerAWSAccountId?: string } {
  const parts = queueUrl.replace(/\/+$/, '').split('/');
  const name = parts[parts.length - 1] ?? queueUrl;
  const account = parts[parts.length - 2];
  return account && /^\d{12}$/.test(account) ? { QueueName: name, QueueOwnerAWSAccountId: account } : { QueueName: name };
}

/** SQS's Step Functions integrations: `sqs:sendMessage` (and its callback pattern), and every operation as `aws-sdk:sqs`. */
export const sqsStepFunctions: StepFunctionsIntegrations<SqsService> = {
  optimized: {
    errors: ERRORS,
    outputModel: 'sqs',
    exhaustive: true,
    actions: { sendMessage: { patterns: ['request-response', 'waitForTaskToken'], run: sqsSendMessage } },
  },
  sdk: { sqs: { name: 'Sqs', wireCase: 'pascal', model: { package: '@aws-sdk/client-sqs', baseException: 'SQSServiceException' } } },
};
