// DynamoDB's PartiQL operations: ExecuteStatement, BatchExecuteStatement and
// ExecuteTransaction, each statement run as the engine's own reads and writes (a
// transaction's writes through the same all-or-nothing path as TransactWriteItems).
import { AwsError } from '../../../endpoint/aws-error.js';
import { consumedCapacity, readUnits, writeUnits } from '../capacity.js';
import { DynamoDbError, validation } from '../errors.js';
import { applyWrite, type ItemContext, returnedAttributes, writeOutput } from '../item-operations.js';
import { keyPosition } from '../item-store.js';
import { capacities, type TransactionContext, writeTransaction } from '../transactions.js';
import { type Item, itemSize } from '../values.js';
import type { ReturningClause } from './ast.js';
import { type Prepared, prepare, selectItem, selectPage, statementKey, writeOf } from './statements.js';

type Json = Record<string, unknown>;

const RETURN_VALUES: Readonly<Record<ReturningClause, string>> = {
  'ALL OLD': 'ALL_OLD',
  'MODIFIED OLD': 'UPDATED_OLD',
  'ALL NEW': 'ALL_NEW',
  'MODIFIED NEW': 'UPDATED_NEW',
};

/** ExecuteStatement: a SELECT's page (Limit, NextToken), or one write (with RETURNING's item). */
export function executeStatement(context: ItemContext, input: Json): Json {
  const prepared = prepare(context, String(input.Statement), input.Parameters);
  const { node, table } = prepared;
  if (node.kind === 'select') {
    const consistent = input.ConsistentRead === true;
    const page = selectPage(context, prepared, {
      ...(input.Limit != null ? { limit: Number(input.Limit) } : {}),
      ...(input.NextToken != null ? { nextToken: String(input.NextToken) } : {}),
      consistentRead: consistent,
    });
    const capacity = consumedCapacity(input, table, readUnits(page.bytes, consistent), 'read');
    return {
      Items: page.items,
      ...(page.nextToken ? { NextToken: page.nextToken, LastEvaluatedKey: page.lastEvaluatedKey } : {}),
      ...(capacity ? { ConsumedCapacity: capacity } : {}),
    };
  }
  if (input.NextToken != null) throw validation('NextToken is only valid on a SELECT statement');
  if (node.kind === 'exists') throw validation('EXISTS is only supported in ExecuteTransaction');
  const returning = 'returning' in node ? node.returning : undefined;
  checkReturning(node.kind, returning);
  const write = writeOf(prepared, input);
  const result = applyWrite(context, write);
  const { ConsumedCapacity } = writeOutput(write, result);
  const attributes = returning && returnedAttributes(RETURN_VALUES[returning] as string, result.before, result.after);
  return {
    ...(returning ? { Items: attributes && Object.keys(attributes).length > 0 ? [attributes] : [] } : {}),
    ...(ConsumedCapacity ? { ConsumedCapacity } : {}),
  };
}

function checkReturning(kind: string, returning: ReturningClause | undefined): void {
  if (kind === 'delete' && returning !== undefined && returning !== 'ALL OLD') {
    throw validation(`Invalid returning clause: RETURNING ${returning} *. Only RETURNING ALL OLD * is allowed in DELETE statements.`);
  }
}

/** A statement's failure as a batch or transaction member names it: BatchStatementError's codes. */
const MEMBER_CODES: Readonly<Record<string, string>> = {
  ConditionalCheckFailedException: 'ConditionalCheckFailed',
  DuplicateItemException: 'DuplicateItem',
  ValidationException: 'ValidationError',
  ResourceNotFoundException: 'ResourceNotFound',
  TransactionConflictException: 'TransactionConflict',
  ItemCollectionSizeLimitExceededException: 'ItemCollectionSizeLimitExceeded',
  ProvisionedThroughputExceededException: 'ProvisionedThroughputExceeded',
};

const BATCH_READ_KEY = 'Select statements within BatchExecuteStatement must specify the primary key in the where clause.';

/**
 * BatchExecuteStatement: up to 25 statements, all reads (each naming one item by its key) or
 * all writes, each item at most once; each statement succeeds or fails on its own, its
 * failure answered in its place (the table named once the statement ran).
 */
export function batchExecuteStatement(context: ItemContext, input: Json): Json {
  const members = (input.Statements as Json[]).map((member) => {
    try {
      return { member, prepared: prepare(context, String(member.Statement), member.Parameters) };
    } catch (error) {
      return { member, error };
    }
  });
  const kinds = new Set(members.flatMap(({ prepared }) => (prepared ? [prepared.node.kind === 'select' ? 'read' : 'write'] : [])));
  if (kinds.size > 1) throw validation('Read and write requests together in the same batch is not supported.');
  const seen = new Set<string>();
  for (const { prepared } of members) {
    const id = prepared && itemId(prepared);
    if (id === undefined) continue;
    if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
    seen.add(id);
  }
  const units = new Map<string, { table: Prepared['table']; units: number; read: boolean }>();
  const responses = members.map(({ member, prepared, error }) => {
    if (!prepared) return memberError(error, undefined, member);
    try {
      const { node, table } = prepared;
      if (node.kind === 'select') {
        if (prepared.index || itemId(prepared) === undefined) throw validation(BATCH_READ_KEY);
        const item = selectItem(context, prepared);
        charge(units, table, readUnits(item ? itemSize(item) : 0, member.ConsistentRead === true), true);
        return { TableName: table.name, ...(item ? { Item: item } : {}) };
      }
      if (node.kind === 'exists') throw validation('EXISTS is only supported in ExecuteTransaction');
      const returning = 'returning' in node ? node.returning : undefined;
      checkReturning(node.kind, returning);
      const write = writeOf(prepared, member);
      const result = applyWrite(context, write);
      charge(units, table, writeUnits(result.before, result.after), false);
      const attributes = returning && returnedAttributes(RETURN_VALUES[returning] as string, result.before, result.after);
      return { TableName: table.name, ...(attributes && Object.keys(attributes).length > 0 ? { Item: attributes } : {}) };
    } catch (error) {
      return memberError(error, prepared, member);
    }
  });
  const capacity = [...units.values()]
    .map(({ table, units: consumed, read }) => consumedCapacity(input, table, consumed, read ? 'read' : 'write'))
    .filter(Boolean);
  return { Responses: responses, ...(capacity.length > 0 ? { ConsumedCapacity: capacity } : {}) };
}

function charge(
  units: Map<string, { table: Prepared['table']; units: number; read: boolean }>,
  table: Prepared['table'],
  consumed: number,
  read: boolean,
): void {
  const entry = units.get(table.name) ?? { table, units: 0, read };
  entry.units += consumed;
  units.set(table.name, entry);
}

/** A batch member's failure: its code, message (and the item for a failed condition with ALL_OLD); the table once it ran. */
function memberError(error: unknown, prepared: Prepared | undefined, member: Json): Json {
  if (!(error instanceof AwsError)) throw error;
  const code = MEMBER_CODES[error.code] ?? 'InternalServerError';
  const item = error instanceof DynamoDbError && member.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? error.members.Item : undefined;
  return {
    Error: { Code: code, Message: error.message, ...(item ? { Item: item } : {}) },
    ...(prepared && code !== 'ValidationError' ? { TableName: prepared.table.name } : {}),
  };
}

/** The item a statement names by its whole key (its table and key bytes), if it names one. */
function itemId(prepared: Prepared): string | undefined {
  let key: Item;
  try {
    key = prepared.node.kind === 'insert' ? writeOf(prepared, {}).key : statementKey(prepared);
  } catch {
    return undefined;
  }
  const [hash, range] = keyPosition(key, prepared.table);
  return `${prepared.table.id}:${Buffer.from(hash).toString('hex')}:${Buffer.from(range).toString('hex')}`;
}

/**
 * ExecuteTransaction: up to 100 statements, all reads (each item by its key, read as of one
 * moment) or all writes, applied all or nothing through the path TransactWriteItems takes
 * (CancellationReasons in the request's order; ClientRequestToken kept 10 minutes).
 */
export function executeTransaction(context: TransactionContext, input: Json): Json {
  const statements = input.TransactStatements as Json[];
  const prepared = statements.map((statement, i) => {
    const one = prepare(context, String(statement.Statement), statement.Parameters);
    if ('returning' in one.node && one.node.returning) {
      throw validation(`Validation failed in TransactStatements[${i}]: RETURNING clause is not supported in ExecuteTransaction.`);
    }
    if (one.node.kind === 'select' && one.index) {
      throw validation(`Validation failed in TransactStatements[${i}]: Reads on indices are not supported within transactions.`);
    }
    return one;
  });
  const reads = prepared.filter((one) => one.node.kind === 'select').length;
  if (reads > 0 && reads < prepared.length) {
    throw validation('ExecuteTransaction API does not support both read and write operations in the same request.');
  }
  if (reads > 0) {
    const items = prepared.map((one) => selectItem(context, one));
    const capacity = capacities(
      input,
      prepared.map((one, i) => ({ table: one.table, units: 2 * readUnits(items[i] ? itemSize(items[i] as Item) : 0, true) })),
      'read',
    );
    return { Responses: items.map((item) => (item ? { Item: item } : {})), ...(capacity ? { ConsumedCapacity: capacity } : {}) };
  }
  const writesOf = () => prepared.map((one, i) => writeOf(one, statements[i] as Json));
  return { Responses: [], ...writeTransaction(context, input, writesOf) };
}
