import { AwsError } from '../endpoint/aws-error.js';
import { TaskFailure } from '../states/engine/index.js';
import { abortable, idempotentCall, KEEP_ALIVE, pick, requiredString, sdkMetadata, serviceFailure } from '../states/integrations/shared.js';
import type { ActionRun, StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import type { SqsQueues } from '../targets/queues.js';
import { QueueHosts } from './queue-hosts.js';
import { missingParameter, SqsError } from './sqs-errors.js';
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

/**
 * `arn:aws:states:::sqs:sendMessage`: a JSON MessageBody is sent as its text; a null or absent
 * one is not sent, so SQS answers its MissingParameter. The request goes to the QueueUrl's host,
 * as the Java SDK sends it (QueueHosts).
 */
const sqsSendMessage: ActionRun<SqsForTasks> = async (env, sqs, args, request) => {
  const queueUrl = requiredString(args, 'QueueUrl', request);
  const unreachable = await abortable(QUEUE_HOSTS.unreachable(queueUrl), request.signal);
  if (unreachable !== undefined) throw new TaskFailure(`${ERRORS.prefix}.SdkClientException`, unreachable);
  try {
    if (args.MessageBody === undefined || args.MessageBody === null) throw missingParameter('MessageBody');
    const body = typeof args.MessageBody === 'string' ? args.MessageBody : JSON.stringify(args.MessageBody);
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
    // SQS answers in its JSON protocol (since 2023), as AWS's recorded tasks show.
    Object.assign(result, sdkMetadata(env.clock, 'application/x-amz-json-1.0', JSON.stringify(response), 200, KEEP_ALIVE));
    if (response.SequenceNumber !== undefined) result.SequenceNumber = response.SequenceNumber;
    return result;
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw serviceFailure(ERRORS, error instanceof SqsError ? asQueryError(error) : error, sqsErrorName);
  }
};

/**
 * An SqsError as the Java SDK reports it: by its query error code (`MissingParameter`,
 * `AWS.SimpleQueueService.NonExistentQueue`), which SQS's JSON answers carry too
 * (`x-amzn-query-error`, the awsQueryCompatible trait), so its exception is named alike in both protocols.
 */
const asQueryError = (error: SqsError) => new AwsError(error.queryErrorCode, error.message, error.status);

/** What DNS answered for QueueUrls' hosts: the machine's, so one for every runtime in the process. */
const QUEUE_HOSTS = new QueueHosts();

/** The Java SDK's exception class for an SQS error code (modelled ones, else the generic one). */
function sqsErrorName(code: string): string {
  if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') return 'QueueDoesNotExistException';
  if (code === 'InvalidMessageContents') return 'InvalidMessageContentsException';
  if (code === 'UnsupportedOperation' || code === 'AWS.SimpleQueueService.UnsupportedOperation') return 'UnsupportedOperationException';
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
