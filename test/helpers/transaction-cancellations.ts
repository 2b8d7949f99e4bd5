import { DynamoDBClient, TransactionCanceledException, TransactionInProgressException } from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB client of `endpoint` whose next `times` TransactWriteItems are cancelled with
 * `reasons` (one code per action, in request order) before they reach it, as DynamoDB
 * cancels a transaction that met another on one of its items (`TransactionConflict`) or was
 * throttled. The local engine runs one request at a time, so it never answers so itself.
 */
export function cancellingClient(endpoint: string, reasons: readonly string[], times = 1): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  let left = times;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (!('TransactItems' in (args.input as object)) || left <= 0) return next(args);
      left--;
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`,
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: reasons.map((Code) => ({ Code, ...(Code === 'None' ? {} : { Message: Code }) })),
      });
    },
    { step: 'initialize', name: 'cancelTransactions' },
  );
  return client;
}

/**
 * A DynamoDB client of `endpoint` whose next TransactWriteItems is answered
 * TransactionInProgressException, as DynamoDB answers a retry of a transaction (the same
 * ClientRequestToken) while its first attempt is still running.
 */
export function inProgressClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  let left = 1;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (!('TransactItems' in (args.input as object)) || left <= 0) return next(args);
      left--;
      throw new TransactionInProgressException({
        Message: 'Transaction is in progress',
        message: 'Transaction is in progress',
        $metadata: { httpStatusCode: 400 },
      });
    },
    { step: 'initialize', name: 'transactionInProgress' },
  );
  return client;
}
