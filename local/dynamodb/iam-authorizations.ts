import {
  ANY,
  arnOf,
  distinct,
  type Input,
  keysOf,
  type OperationAuthorization,
  type OperationContext,
  type OperationTable,
  on,
  type ResourceOf,
  records,
  type ServiceIam,
  sameNamed,
  text,
} from '../iam/authorizations.js';

/** A table's ARN from its name or ARN. */
const tableArnOf = (nameOrArn: unknown, context: OperationContext): string => {
  const value = text(nameOrArn) ?? '*';
  return value.startsWith('arn:') ? value : arnOf('dynamodb', context, `table/${value}`);
};

const table: ResourceOf = (input, context) => tableArnOf(input.TableName, context);
/** Query and Scan of an index are authorized on the index: `table/<T>/index/<I>`. */
const tableOrIndex: ResourceOf = (input, context) => {
  const index = text(input.IndexName);
  return index ? `${table(input, context)}/index/${index}` : table(input, context);
};
const stream: ResourceOf = (input, context) => text(input.StreamArn) ?? arnOf('dynamodb', context, 'table/*/stream/*');
const tagged: ResourceOf = (input, context) => text(input.ResourceArn) ?? arnOf('dynamodb', context, 'table/*');

/** A batch: its action once on each table its RequestItems names. */
const perTable = (action: string) => (input: Input, context: OperationContext) => {
  const tables = keysOf(input.RequestItems);
  return (tables.length > 0 ? tables : ['*']).map((name) => on(action, tableArnOf(name, context)));
};

/** What each member of a transaction's item is authorized as. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

/** A transaction: each item's own action on its table (no dynamodb:TransactWriteItems action exists). */
function transaction(input: Input, context: OperationContext): OperationAuthorization[] {
  const authorizations: OperationAuthorization[] = [];
  for (const item of records(input.TransactItems)) {
    for (const [kind, action] of Object.entries(TRANSACT_ACTIONS)) {
      const request = item[kind];
      if (typeof request === 'object' && request !== null) authorizations.push(on(action, table(request as Input, context)));
    }
  }
  return distinct(authorizations);
}

/**
 * DynamoDB (and DynamoDB Streams, whose actions are dynamodb:): each operation is the action
 * of its name on the table, index or stream it names; batches once per table; transactions
 * as their items' actions.
 */
const dynamodbAuthorizations: OperationTable = {
  ...sameNamed('dynamodb', {
    GetItem: table,
    PutItem: table,
    UpdateItem: table,
    DeleteItem: table,
    CreateTable: table,
    DeleteTable: table,
    DescribeTable: table,
    UpdateTable: table,
    DescribeTimeToLive: table,
    UpdateTimeToLive: table,
    DescribeContinuousBackups: table,
    Query: tableOrIndex,
    Scan: tableOrIndex,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsOfResource: tagged,
    ListTables: ANY,
    DescribeLimits: ANY,
    DescribeEndpoints: ANY,
    DescribeStream: stream,
    GetShardIterator: stream,
    GetRecords: stream,
    ListStreams: ANY,
  }),
  BatchGetItem: perTable('dynamodb:BatchGetItem'),
  BatchWriteItem: perTable('dynamodb:BatchWriteItem'),
  TransactWriteItems: transaction,
  TransactGetItems: transaction,
};

/** How IAM authorizes dynamodb's requests (its module declares it). */
export const dynamodbIam: ServiceIam = {
  prefix: 'dynamodb',
  operations: dynamodbAuthorizations,
  accessDenied: { code: 'AccessDeniedException', status: 400 },
};
