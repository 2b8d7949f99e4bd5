import { AwsError } from '../endpoint/aws-error.js';

/**
 * SNS's error codes as its query protocol answers them (`<Code>` in the XML error), with
 * the HTTP status of each (from the `awsQueryError` traits of the SNS model). Note that the
 * model's InvalidParameterValueException answers with code `ParameterValueInvalid`.
 */
const STATUS = {
  InvalidParameter: 400,
  ParameterValueInvalid: 400,
  NotFound: 404,
  AuthorizationError: 403,
  InvalidAction: 400,
  ValidationError: 400,
  BatchEntryIdsNotDistinct: 400,
  BatchRequestTooLong: 400,
  EmptyBatchRequest: 400,
  InvalidBatchEntryId: 400,
  TooManyEntriesInBatchRequest: 400,
  InternalError: 500,
} as const;

export type SnsErrorCode = keyof typeof STATUS;

export class SnsError extends AwsError {
  constructor(code: SnsErrorCode, message: string) {
    super(code, message, STATUS[code]);
  }
}

/** `Invalid parameter: <what>`, SNS's wording for most rejected requests. */
export const invalidParameter = (what: string) => new SnsError('InvalidParameter', `Invalid parameter: ${what}`);

export const parameterValueInvalid = (message: string) => new SnsError('ParameterValueInvalid', message);

export const topicNotFound = () => new SnsError('NotFound', 'Topic does not exist');

export const subscriptionNotFound = () => new SnsError('NotFound', 'Subscription does not exist');

/** The model's length and null constraints, as AWS words them (`1 validation error detected: ...`). */
export const missingMember = (member: string) =>
  new SnsError(
    'ValidationError',
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
