import {
  ANY,
  arnOf,
  items,
  type OperationAuthorization,
  type OperationContext,
  type OperationTable,
  on,
  sameNamed,
  text,
} from './shared.js';

const tableArnOf = (name: unknown, context: OperationContext) => {
  const value = text(name) ?? '*';
  return value.startsWith('arn:') ? value : arnOf('dynamodb', context, `table/${value}`);
};
const table = (input: Record<string, unknown>, context: OperationContext) => tableArnOf(input.TableName ?? input.ResourceArn, context);
/** Query and Scan of an index are authorized on the index's ARN. */
const tableOrIndex = (input: Record<string, unknown>, context: OperationContext) => {
  const index = text(input.IndexName);
  return index ? `${table(input, context)}/index/${index}` : table(input, context);
};
const stream = (input: Record<string, unknown>, context: OperationContext) => text(input.StreamArn) ?? tableArnOf('*', context);

/** One authorization of `action` per table a batch names. */
const perTable = (action: string) => (input: Record<string, unknown>, context: OperationContext) =>
  Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {}).map((name) => on(action, tableArnOf(name, context)));

/** A transaction is authorized item by item, each as the single-item action on its table. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};
function transact(input: Record<string, unknown>, context: OperationContext): OperationAuthorization[] {
  const seen = new Map<string, OperationAuthorization>();
  for (const item of items(input.TransactItems)) {
    for (const [kind, request] of Object.entries((item ?? {}) as Record<string, { TableName?: unknown }>)) {
      const action = TRANSACT_ACTIONS[kind];
      if (!action) continue;
      const authorization = on(action, tableArnOf(request?.TableName, context));
      seen.set(`${authorization.action} ${authorization.resource}`, authorization);
    }
  }
  return [...seen.values()];
}

/** DynamoDB: the action of each operation's name on the table (or index, or stream); batches per table, transactions per item. */
export const dynamodbOperations: OperationTable = {
  ...sameNamed('dynamodb', {
    GetItem: table,
    PutItem: table,
    UpdateItem: table,
    DeleteItem: table,
    Query: tableOrIndex,
    Scan: tableOrIndex,
    DescribeTable: table,
    CreateTable: table,
    DeleteTable: table,
    UpdateTable: table,
    DescribeTimeToLive: table,
    UpdateTimeToLive: table,
    DescribeContinuousBackups: table,
    TagResource: table,
    UntagResource: table,
    ListTagsOfResource: table,
    DescribeStream: stream,
    GetRecords: stream,
    GetShardIterator: stream,
    ListStreams: ANY,
    ListTables: ANY,
    DescribeLimits: ANY,
    DescribeEndpoints: ANY,
  }),
  BatchGetItem: perTable('dynamodb:BatchGetItem'),
  BatchWriteItem: perTable('dynamodb:BatchWriteItem'),
  TransactWriteItems: transact,
  TransactGetItems: transact,
};
