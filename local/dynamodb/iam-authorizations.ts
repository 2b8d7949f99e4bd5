import {
  arnOf,
  distinct,
  type Input,
  keysOf,
  type OperationAuthorization,
  type OperationContext,
  on,
  type ResourceOf,
  records,
  serviceIam,
  text,
} from '../iam/authorizations.js';
import type { StatementNode } from './engine/partiql/ast.js';
import { parseStatement } from './engine/partiql/parser.js';

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

/** What each kind of PartiQL statement is authorized as (a transaction's EXISTS reads). */
const STATEMENT_ACTIONS: Readonly<Record<string, string>> = {
  select: 'dynamodb:PartiQLSelect',
  exists: 'dynamodb:PartiQLSelect',
  insert: 'dynamodb:PartiQLInsert',
  update: 'dynamodb:PartiQLUpdate',
  delete: 'dynamodb:PartiQLDelete',
};

/**
 * PartiQL statements: each one's action on the table it names (a SELECT of an index on the
 * index). A statement that does not parse asks nothing: DynamoDB refuses it as malformed.
 */
const statements =
  (list: (input: Input) => unknown[]) =>
  (input: Input, context: OperationContext): OperationAuthorization[] => {
    const authorizations: OperationAuthorization[] = [];
    for (const text of list(input)) {
      let statement: StatementNode;
      try {
        statement = parseStatement(String(text)).statement;
      } catch {
        continue;
      }
      const arn = tableArnOf(statement.target.table, context);
      const resource = statement.kind === 'select' && statement.target.index ? `${arn}/index/${statement.target.index}` : arn;
      authorizations.push(on(STATEMENT_ACTIONS[statement.kind] as string, resource));
    }
    return distinct(authorizations);
  };

/**
 * How IAM authorizes DynamoDB's requests (its module declares it), and DynamoDB Streams', whose
 * actions are dynamodb:. Each operation is the action of its name on the table, index or stream
 * it names; batches once per table; transactions as their items' actions; PartiQL statements
 * as PartiQLSelect, Insert, Update or Delete.
 */
export const dynamodbIam = serviceIam('dynamodb', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['ListContributorInsights', 'ListTables', 'DescribeLimits', 'DescribeEndpoints', 'ListStreams'],
  sameNamed: {
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
    UpdateContinuousBackups: table,
    EnableKinesisStreamingDestination: table,
    DisableKinesisStreamingDestination: table,
    DescribeKinesisStreamingDestination: table,
    UpdateKinesisStreamingDestination: table,
    DescribeContributorInsights: tableOrIndex,
    UpdateContributorInsights: tableOrIndex,
    Query: tableOrIndex,
    Scan: tableOrIndex,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsOfResource: tagged,
    DescribeStream: stream,
    GetShardIterator: stream,
    GetRecords: stream,
  },
  operations: {
    BatchGetItem: perTable('dynamodb:BatchGetItem'),
    BatchWriteItem: perTable('dynamodb:BatchWriteItem'),
    TransactWriteItems: transaction,
    TransactGetItems: transaction,
    ExecuteStatement: statements((input) => [input.Statement]),
    BatchExecuteStatement: statements((input) => records(input.Statements).map((member) => member.Statement)),
    ExecuteTransaction: statements((input) => records(input.TransactStatements).map((member) => member.Statement)),
  },
});
