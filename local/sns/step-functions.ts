import { randomUUID } from 'node:crypto';
import { queryErrorExceptions } from '../states/aws-sdk-integrations.js';
import type { TaskRequest } from '../states/engine/index.js';
import {
  abortable,
  idempotentCall,
  KEEP_ALIVE,
  pick,
  sdkMetadata,
  serviceFailure,
  type TaskEnvironment,
} from '../states/integrations/shared.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import type { PublishInput } from './message.js';
import type { SnsService } from './sns-service.js';

/** The Java SDK's names in the errors of `sns:` tasks. */
const ERRORS = { prefix: 'SNS', service: 'AmazonSNS', accessDenied: 'AuthorizationErrorException' };
/** SNS's SDK package, whose error schemas map its query error codes to exceptions. */
const SDK_PACKAGE = '@aws-sdk/client-sns';

/** SNS's Publish in its API shape (SnsService); errors are AwsErrors with SNS's query error codes. A binary attribute value is base64 text, as in state data. */
export interface SnsForTasks {
  Publish(input: PublishInput, options?: IdempotentCall): Promise<{ MessageId?: string; SequenceNumber?: string }>;
}

const PUBLISH_PARAMETERS = [
  'TopicArn',
  'TargetArn',
  'PhoneNumber',
  'Subject',
  'MessageStructure',
  'MessageAttributes',
  'MessageGroupId',
  'MessageDeduplicationId',
];

/**
 * `arn:aws:states:::sns:publish`: Publish with the task's parameters; a Message that is
 * not a string is published as its JSON text. The result is Publish's (MessageId, and
 * SequenceNumber for a FIFO topic) with the Java SDK's metadata of SNS's XML answer.
 */
async function snsPublish(env: TaskEnvironment, sns: SnsForTasks, args: Record<string, unknown>, request: TaskRequest): Promise<unknown> {
  const input: Record<string, unknown> = pick(args, PUBLISH_PARAMETERS);
  if (args.Message !== undefined) input.Message = typeof args.Message === 'string' ? args.Message : JSON.stringify(args.Message);
  let response: Awaited<ReturnType<SnsForTasks['Publish']>>;
  try {
    response = await abortable(sns.Publish(input, idempotentCall(env, request)), request.signal);
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw serviceFailure(ERRORS, error, snsExceptionName);
  }
  const requestId = randomUUID();
  const result: Record<string, unknown> = { MessageId: response.MessageId };
  Object.assign(result, sdkMetadata(env.clock, 'text/xml', publishResponseXml(response, requestId), 200, KEEP_ALIVE, requestId));
  if (response.SequenceNumber !== undefined) result.SequenceNumber = response.SequenceNumber;
  return result;
}

/** SNS's answer on the wire, as AWS lays it out: its length is the Content-Length the metadata reports. */
function publishResponseXml(response: { MessageId?: string; SequenceNumber?: string }, requestId: string): string {
  const sequence = response.SequenceNumber === undefined ? '' : `    <SequenceNumber>${response.SequenceNumber}</SequenceNumber>\n`;
  return (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n' +
    `  <PublishResult>\n    <MessageId>${response.MessageId ?? ''}</MessageId>\n${sequence}  </PublishResult>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    '</PublishResponse>\n'
  );
}

/**
 * The Java SDK's exception class for an SNS error code: the model's error whose query
 * error code it is (`NotFound` -> NotFoundException, `ParameterValueInvalid` ->
 * InvalidParameterValueException), else the generic AmazonSNSException.
 */
function snsExceptionName(code: string): string {
  return queryErrorExceptions(SDK_PACKAGE).get(code) ?? 'AmazonSNSException';
}

/** SNS's Step Functions integrations: `sns:publish` (and its callback pattern), and every operation as `aws-sdk:sns`. */
export const snsStepFunctions: StepFunctionsIntegrations<SnsService> = {
  optimized: {
    errors: ERRORS,
    outputModel: 'sns',
    exhaustive: true,
    actions: { publish: { patterns: ['request-response', 'waitForTaskToken'], run: snsPublish } },
  },
  sdk: { sns: { name: 'Sns', wireCase: 'pascal', model: { package: SDK_PACKAGE, baseException: 'SNSServiceException' } } },
};
