import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { canonical } from '../../json/canonical-json.js';
import { consumedCapacity, readUnits, writeUnits } from './capacity.js';
import { DUPLICATE_ITEM, DynamoDbError, validation } from './errors.js';
import { matches, project } from './expressions/index.js';
import { checkKey } from './item-checks.js';
import {
  applyWrite,
  type ItemContext,
  type PreparedWrite,
  prepareConditionCheck,
  prepareDelete,
  preparePut,
  prepareUpdate,
  projectionOf,
} from './item-operations.js';
import { keyPosition } from './item-store.js';
import { type Item, itemSize } from './values.js';

type Json = Record<string, unknown>;

/** DynamoDB keeps a ClientRequestToken for 10 minutes. */
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
/** A transaction's request may be at most 4 MB. */
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

const ACTIONS: Readonly<Record<string, (context: ItemContext, input: Json) => PreparedWrite>> = {
  Put: preparePut,
  Update: prepareUpdate,
  Delete: prepareDelete,
  ConditionCheck: prepareConditionCheck,
};

/** A cancelled transaction's reason for one action, as DynamoDB lists them. */
interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: Item;
}

/** What a transaction works on: the items, and the database that keeps its ClientRequestTokens. */
export type TransactionContext = ItemContext & { db: DatabaseSync; now: () => number };

/**
 * TransactWriteItems: every action prepared and checked first (a request DynamoDB refuses
 * leaves nothing written), then, in the caller's SQLite transaction, every condition
 * evaluated against the items as they are and, only if all hold, every write applied.
 */
export function transactWriteItems(context: TransactionContext, input: Json, body: string): Json {
  const actions = input.TransactItems as Json[];
  if (Buffer.byteLength(body) > MAX_TRANSACTION_BYTES) {
    throw validation('Transaction request size exceeds the maximum allowed size of 4 MB');
  }
  const prepare = () =>
    actions.map((action) => {
      const kinds = Object.keys(action).filter((kind) => action[kind] != null);
      if (kinds.length !== 1 || !ACTIONS[kinds[0] as string]) {
        throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
      }
      const kind = kinds[0] as string;
      return (ACTIONS[kind] as (c: ItemContext, i: Json) => PreparedWrite)(context, action[kind] as Json);
    });
  return writeTransaction(context, input, prepare);
}

/**
 * A transaction of writes (TransactWriteItems, PartiQL's ExecuteTransaction), once per
 * ClientRequestToken: applied all or nothing and answered with its ConsumedCapacity when asked,
 * or, repeated with its token, with what the replay reads.
 */
export function writeTransaction(context: TransactionContext, input: Json, prepare: () => readonly PreparedWrite[]): Json {
  return onceForToken(
    context,
    input,
    () => {
      const writes = prepare();
      const results = applyTransaction(context, writes);
      const capacity = capacities(
        input,
        writes.map((write, i) => ({ table: write.table, units: 2 * writeUnits(results[i]?.before, results[i]?.after) })),
        'write',
      );
      return capacity ? { ConsumedCapacity: capacity } : {};
    },
    () => replayed(context, input, prepare()),
  );
}

/**
 * The answer to a transaction repeated with its ClientRequestToken: nothing written again and,
 * when asked, "the number of read capacity units consumed in reading the item" (the API
 * reference's ClientRequestToken) for each item the transaction names, read as a transaction reads.
 */
function replayed(context: ItemContext, input: Json, writes: readonly PreparedWrite[]): Json {
  const capacity = capacities(
    input,
    writes.map((write) => {
      const item = context.items.get(write.table, write.key);
      return { table: write.table, units: 2 * readUnits(item ? itemSize(item) : 0, true) };
    }),
    'read',
  );
  return capacity ? { ConsumedCapacity: capacity } : {};
}

/**
 * Runs a transaction once per ClientRequestToken (kept 10 minutes): a request with a token
 * already applied is answered by `again` without being applied; another request with the
 * same token is IdempotentParameterMismatchException.
 */
function onceForToken(context: TransactionContext, input: Json, run: () => Json, again: () => Json): Json {
  const token = input.ClientRequestToken == null ? undefined : String(input.ClientRequestToken);
  if (token === undefined) return run();
  // A map's members in any order are the same request (an item's attributes are unordered).
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(canonical({ ...input, ClientRequestToken: undefined })))
    .digest('hex');
  if (seenToken(context, token, fingerprint)) return again();
  const output = run();
  rememberToken(context, token, fingerprint);
  return output;
}

/**
 * Applies prepared writes all or nothing, in the caller's SQLite transaction: each item at
 * most once; every condition evaluated against the items as they are; only if all hold, every
 * write applied (a write that fails as it is applied cancels the transaction too).
 */
function applyTransaction(context: ItemContext, writes: readonly PreparedWrite[]): { before?: Item; after?: Item }[] {
  const seen = new Set<string>();
  for (const write of writes) {
    const [hash, range] = keyPosition(write.key, write.table);
    const id = `${write.table.id}:${Buffer.from(hash).toString('hex')}:${Buffer.from(range).toString('hex')}`;
    if (seen.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
    seen.add(id);
  }
  const befores = writes.map((write) => context.items.get(write.table, write.key));
  const reasons: CancellationReason[] = writes.map((write, i) => {
    if (!write.condition || matches(write.condition, befores[i])) return { Code: 'None' };
    if (write.duplicate) return { Code: 'DuplicateItem', Message: DUPLICATE_ITEM };
    const item = write.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? befores[i] : undefined;
    return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(item ? { Item: item } : {}) };
  });
  if (reasons.some((reason) => reason.Code !== 'None')) throw cancelled(reasons);
  return writes.map((write) => {
    try {
      return applyWrite(context, write);
    } catch (error) {
      // A write that fails as it is applied (an update of a value of the wrong type) cancels the transaction.
      if (!(error instanceof AwsError) || error.code !== 'ValidationException') throw error;
      throw cancelled(writes.map((w) => (w === write ? { Code: 'ValidationError', Message: error.message } : { Code: 'None' })));
    }
  });
}

function cancelled(reasons: CancellationReason[]): DynamoDbError {
  const codes = reasons.map((reason) => reason.Code).join(', ');
  return new DynamoDbError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    { CancellationReasons: reasons },
  );
}

/** Whether a transaction with this token was applied in the last 10 minutes; a different request with it is refused. */
function seenToken(context: { db: DatabaseSync; now: () => number }, token: string, fingerprint: string): boolean {
  context.db.prepare('DELETE FROM dynamodb_transaction_tokens WHERE applied_ms < ?').run(context.now() - TOKEN_LIFETIME_MS);
  const row = context.db.prepare('SELECT fingerprint FROM dynamodb_transaction_tokens WHERE token = ?').get(token) as
    | { fingerprint: string }
    | undefined;
  if (!row) return false;
  if (row.fingerprint !== fingerprint) {
    throw new AwsError(
      'IdempotentParameterMismatchException',
      'The request uses the same client token as a previous, but non-identical request.',
    );
  }
  return true;
}

function rememberToken(context: { db: DatabaseSync; now: () => number }, token: string, fingerprint: string): void {
  context.db
    .prepare('INSERT OR REPLACE INTO dynamodb_transaction_tokens (token, fingerprint, applied_ms) VALUES (?, ?, ?)')
    .run(token, fingerprint, context.now());
}

export const TRANSACTION_TOKENS_SCHEMA = `CREATE TABLE IF NOT EXISTS dynamodb_transaction_tokens (
  token TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, applied_ms INTEGER NOT NULL)`;

/** TransactGetItems: each item read as of one moment (the caller's transaction), in the request's order. */
export function transactGetItems(context: ItemContext, input: Json): Json {
  const gets = (input.TransactItems as Json[]).map((entry) => {
    const get = entry.Get as Json | undefined;
    if (!get) throw validation('TransactItems can only contain Get');
    const table = context.catalog.get(String(get.TableName));
    return { table, key: checkKey(table, get.Key), projection: projectionOf(get) };
  });
  const responses = gets.map(({ table, key, projection }) => {
    const item = context.items.get(table, key);
    return { table, item: item && projection ? project(item, projection) : item, size: item ? itemSize(item) : 0 };
  });
  const capacity = capacities(
    input,
    responses.map((r) => ({ table: r.table, units: 2 * readUnits(r.size, true) })),
    'read',
  );
  return {
    Responses: responses.map((r) => (r.item ? { Item: r.item } : {})),
    ...(capacity ? { ConsumedCapacity: capacity } : {}),
  };
}

/** A transaction's ConsumedCapacity: one entry per table, twice the units of the same reads or writes outside one. */
export function capacities(
  input: Json,
  parts: { table: import('./table-schema.js').TableShape; units: number }[],
  kind: 'read' | 'write',
): Json[] | undefined {
  const byTable = new Map<string, { table: import('./table-schema.js').TableShape; units: number }>();
  for (const part of parts) {
    const entry = byTable.get(part.table.name) ?? { table: part.table, units: 0 };
    entry.units += part.units;
    byTable.set(part.table.name, entry);
  }
  const entries = [...byTable.values()].map(({ table, units }) => consumedCapacity(input, table, units, kind));
  return entries.every((entry) => entry === undefined) ? undefined : (entries as Json[]);
}
