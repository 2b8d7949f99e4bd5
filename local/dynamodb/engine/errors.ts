import { AwsError } from '../../endpoint/aws-error.js';

/** An error DynamoDB answers with members beside its message (a failed condition's `Item`, a transaction's `CancellationReasons`). */
export class DynamoDbError extends AwsError {
  override readonly name = 'DynamoDbError';
  constructor(
    code: string,
    message: string,
    readonly members: Readonly<Record<string, unknown>> = {},
    status = 400,
    options?: ErrorOptions,
  ) {
    super(code, message, status, options);
  }
}

export const validation = (message: string) => new AwsError('ValidationException', message);

export const conditionFailed = (item?: Record<string, unknown>) =>
  new DynamoDbError('ConditionalCheckFailedException', 'The conditional request failed', item ? { Item: item } : {});

/** A PartiQL INSERT of an item that exists: DuplicateItemException's text (and a transaction's DuplicateItem reason). */
export const DUPLICATE_ITEM = 'Duplicate primary key exists in table';
