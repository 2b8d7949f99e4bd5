import { AwsError } from '../endpoint/aws-error.js';
import type { BatchResultErrorEntry } from './sqs-types.js';

/**
 * SQS answers the JSON protocol in "query-compatible" mode, so every error has two codes:
 * the Smithy shape name (`QueueDoesNotExist`), which goes in the body's `__type` and is what
 * SDK v3 turns into an exception class, and the legacy query-protocol code
 * (`AWS.SimpleQueueService.NonExistentQueue`), which goes in the `x-amzn-query-error` header
 * as `<code>;Sender` and is what botocore and older SDKs report as the error code.
 *
 * Modelled errors come from the `aws.protocols#awsQueryError` traits of the SQS Smithy model.
 * `InvalidParameterValueException` and `MissingRequiredParameterException` are not in the
 * model but are what real SQS sends for most validation failures (the SDK raises them as a
 * generic `SQSServiceException` whose `name` is the `__type`).
 */
const SQS_ERROR_CODES = {
  QueueDoesNotExist: { queryCode: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  QueueNameExists: { queryCode: 'QueueAlreadyExists', status: 400 },
  QueueDeletedRecently: { queryCode: 'AWS.SimpleQueueService.QueueDeletedRecently', status: 400 },
  PurgeQueueInProgress: { queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 },
  BatchEntryIdsNotDistinct: { queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', status: 400 },
  BatchRequestTooLong: { queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400 },
  EmptyBatchRequest: { queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400 },
  InvalidBatchEntryId: { queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 },
  TooManyEntriesInBatchRequest: { queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', status: 400 },
  MessageNotInflight: { queryCode: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  UnsupportedOperation: { queryCode: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  ReceiptHandleIsInvalid: { queryCode: 'ReceiptHandleIsInvalid', status: 404 },
  InvalidAddress: { queryCode: 'InvalidAddress', status: 404 },
  ResourceNotFoundException: { queryCode: 'ResourceNotFoundException', status: 404 },
  OverLimit: { queryCode: 'OverLimit', status: 403 },
  InvalidAttributeName: { queryCode: 'InvalidAttributeName', status: 400 },
  InvalidAttributeValue: { queryCode: 'InvalidAttributeValue', status: 400 },
  InvalidMessageContents: { queryCode: 'InvalidMessageContents', status: 400 },
  InvalidIdFormat: { queryCode: 'InvalidIdFormat', status: 400 },
  InvalidParameterValueException: { queryCode: 'InvalidParameterValue', status: 400 },
  MissingRequiredParameterException: { queryCode: 'MissingParameter', status: 400 },
} as const satisfies Record<string, { queryCode: string; status: number }>;

export type SqsErrorCode = keyof typeof SQS_ERROR_CODES;

/** An SQS error: `code` is the JSON `__type` shape name, `queryErrorCode` the legacy code. */
export class SqsError extends AwsError {
  readonly queryErrorCode: string;

  constructor(code: SqsErrorCode, message: string) {
    const { queryCode, status } = SQS_ERROR_CODES[code];
    super(code, message, status);
    this.queryErrorCode = queryCode;
  }

  /** The `__type` SQS puts in a JSON error body. */
  get jsonType(): string {
    return `com.amazonaws.sqs#${this.code}`;
  }
}

/**
 * The `x-amzn-query-error` header for any error an SQS operation throws (`<code>;Sender`);
 * an AwsError that is not an SqsError reuses its code as the query code.
 */
export function queryErrorHeader(error: AwsError): string {
  const code = error instanceof SqsError ? error.queryErrorCode : error.code;
  return `${code};${error.senderFault ? 'Sender' : 'Receiver'}`;
}

export const invalidParameter = (message: string) => new SqsError('InvalidParameterValueException', message);

/** AWS's wording for a rejected parameter value: `Value <v> for parameter <p> is invalid. Reason: <r>` */
export const invalidParameterValue = (parameter: string, value: unknown, reason: string) =>
  invalidParameter(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);

export const missingParameter = (parameter: string) =>
  new SqsError('MissingRequiredParameterException', `The request must contain the parameter ${parameter}.`);

export const queueDoesNotExist = () => new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');

/** Only an SqsError becomes a batch entry's failure; anything else (a storage failure, a bug) fails the whole call. */
export function batchFailure(id: string, error: unknown): BatchResultErrorEntry {
  if (error instanceof SqsError) {
    return { Id: id, SenderFault: error.senderFault, Code: error.queryErrorCode, Message: error.message };
  }
  throw error;
}
