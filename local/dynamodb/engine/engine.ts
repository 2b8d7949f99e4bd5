import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { modelValidator, violationsMessage } from '../../endpoint/validation/validator.js';
import { IdempotentRequests } from '../../store/idempotent-requests.js';
import { inTransaction } from '../../store/transaction.js';
import { batchGetItem, batchWriteItem } from './batch-operations.js';
import { DynamoDbError } from './errors.js';
import {
  applyWrite,
  getItem,
  type ItemChange,
  type ItemContext,
  type PreparedWrite,
  prepareDelete,
  preparePut,
  prepareUpdate,
  writeOutput,
} from './item-operations.js';
import { ItemStore } from './item-store.js';
import { type KinesisStreamingControl, kinesisStreamingOperations } from './kinesis-streaming.js';
import { batchExecuteStatement, executeStatement, executeTransaction } from './partiql/operations.js';
import { query, scan } from './read-operations.js';
import { checkTableName, TableCatalog } from './table-catalog.js';
import * as tables from './table-operations.js';
import * as settings from './table-settings.js';
import { TRANSACTION_TOKENS_SCHEMA, transactGetItems, transactWriteItems } from './transactions.js';

type Json = Record<string, unknown>;

export interface EngineOptions {
  readonly region: string;
  readonly accountId: string;
  readonly now: () => number;
  /** The streams of the tables (local/dynamodb/streams/). */
  readonly streams: tables.StreamControl;
  /** The tables' Kinesis data stream destinations (local/dynamodb/streams/kinesis-destinations.ts); without it, their operations are not served. */
  readonly kinesisDestinations?: KinesisStreamingControl;
  /** Called inside a write's SQLite transaction with its changes (the stream records are written there, so a write and its records commit together). */
  readonly onChanges?: (changes: readonly ItemChange[], options: { readonly serviceDelete: boolean }) => void;
}

/** A request as handleAll takes it: `handle`'s arguments. */
export interface EngineRequest {
  readonly operation: string;
  readonly body: string;
  readonly serviceDelete?: boolean;
  readonly idempotencyKey?: string;
}

/** Reads answered from one SQLite statement, and reads of several items that must see one moment. */
const SINGLE_READS = new Set([
  'GetItem',
  'Query',
  'Scan',
  'DescribeTable',
  'ListTables',
  'DescribeTimeToLive',
  'ListTagsOfResource',
  'DescribeKinesisStreamingDestination',
]);
const MULTI_READS = new Set(['BatchGetItem', 'TransactGetItems']);
/** Operations that change the tables the catalog keeps in memory. */
const TABLE_CHANGES = new Set(['CreateTable', 'UpdateTable', 'DeleteTable', 'UpdateContinuousBackups', 'UpdateContributorInsights']);

function inReadTransaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec('BEGIN');
  try {
    return work();
  } finally {
    db.exec('COMMIT');
  }
}

const UNREADABLE_BODY = 'The request body could not be read as a JSON object: it is empty or not valid JSON.';

/** DynamoDB's codes for a member of the wrong JSON type: Coral's words, as DynamoDB's JSON 1.0 reader gives them. */
const validate = modelValidator('dynamodb', {
  wrongType: (finding) =>
    new AwsError('SerializationException', finding.message.replace(/can not be converted to an? /, 'cannot be converted to ')),
  // A null AttributeValue in a map (`Key: {"pk": null}`) is DynamoDB's empty AttributeValue, which the engine words itself.
  violations: (violations) =>
    violations.every((violation) => violation.message.endsWith('Map value must satisfy constraint: [Member must not be null]'))
      ? undefined
      : new AwsError('ValidationException', violationsMessage(violations)),
});

/**
 * The local DynamoDB: DynamoDB's API over one SQLite database, each request answered
 * synchronously in one SQLite transaction (so two requests never interleave, and a write, its
 * index rows and its stream records commit together or not at all).
 */
export class DynamoDbEngine {
  readonly #catalog: TableCatalog;
  readonly #items: ItemStore;
  readonly #requests: IdempotentRequests;
  readonly #operations: Readonly<Record<string, (input: Json, body: string, serviceDelete: boolean) => Json>>;

  constructor(
    private readonly db: DatabaseSync,
    private readonly options: EngineOptions,
  ) {
    this.#requests = new IdempotentRequests(db, options.now());
    db.exec(TRANSACTION_TOKENS_SCHEMA);
    db.exec('CREATE TABLE IF NOT EXISTS time_to_live (table_name TEXT PRIMARY KEY, attribute TEXT NOT NULL, enabled INTEGER NOT NULL)');
    this.#catalog = new TableCatalog(db, options);
    this.#items = new ItemStore(db);
    const tableContext: tables.TableContext = {
      db,
      catalog: this.#catalog,
      items: this.#items,
      streams: options.streams,
      now: options.now,
    };
    const onTables = (run: (context: tables.TableContext, input: Json) => Json) => (input: Json) => run(tableContext, input);
    const kinesis: Record<string, (context: tables.TableContext, input: Json) => Json> = options.kinesisDestinations
      ? kinesisStreamingOperations(options.kinesisDestinations)
      : {};
    this.#operations = {
      CreateTable: onTables(tables.createTable),
      DescribeTable: onTables(tables.describeTable),
      DeleteTable: onTables(tables.deleteTable),
      UpdateTable: onTables(tables.updateTable),
      ListTables: onTables(tables.listTables),
      TagResource: onTables(tables.tagResource),
      UntagResource: onTables(tables.untagResource),
      ListTagsOfResource: onTables(tables.listTagsOfResource),
      DescribeTimeToLive: onTables(settings.describeTimeToLive),
      UpdateTimeToLive: onTables(settings.updateTimeToLive),
      DescribeContinuousBackups: onTables(settings.describeContinuousBackups),
      UpdateContinuousBackups: onTables(settings.updateContinuousBackups),
      DescribeContributorInsights: onTables(settings.describeContributorInsights),
      UpdateContributorInsights: onTables(settings.updateContributorInsights),
      ListContributorInsights: onTables(settings.listContributorInsights),
      ...Object.fromEntries(Object.entries(kinesis).map(([name, run]) => [name, onTables(run)])),
      DescribeLimits: () => ({
        AccountMaxReadCapacityUnits: 80000,
        AccountMaxWriteCapacityUnits: 80000,
        TableMaxReadCapacityUnits: 40000,
        TableMaxWriteCapacityUnits: 40000,
      }),
      DescribeEndpoints: () => ({ Endpoints: [{ Address: `dynamodb.${options.region}.amazonaws.com`, CachePeriodInMinutes: 1440 }] }),
      PutItem: (input, _body, service) => this.#write(preparePut, input, service),
      UpdateItem: (input, _body, service) => this.#write(prepareUpdate, input, service),
      DeleteItem: (input, _body, service) => this.#write(prepareDelete, input, service),
      GetItem: (input) => getItem(this.#reading(), input),
      Query: (input) => query(this.#reading(), input),
      Scan: (input) => scan(this.#reading(), input),
      BatchGetItem: (input) => batchGetItem(this.#reading(), input),
      BatchWriteItem: (input, _body, service) => this.#changing(service, (context) => batchWriteItem(context, input)),
      TransactGetItems: (input) => transactGetItems(this.#reading(), input),
      TransactWriteItems: (input, body, service) =>
        this.#changing(service, (context) => transactWriteItems({ ...context, db, now: options.now }, input, body)),
      ExecuteStatement: (input, _body, service) => this.#changing(service, (context) => executeStatement(context, input)),
      BatchExecuteStatement: (input, _body, service) => this.#changing(service, (context) => batchExecuteStatement(context, input)),
      ExecuteTransaction: (input, _body, service) =>
        this.#changing(service, (context) => executeTransaction({ ...context, db, now: options.now }, input)),
    };
  }

  /** The operations this engine answers. */
  get operations(): string[] {
    return Object.keys(this.#operations);
  }

  /**
   * Answers one request (its operation and JSON body): the output, or throws the AwsError
   * DynamoDB answers. `serviceDelete` marks the time-to-live sweep's deletes for the stream.
   * `idempotencyKey` (a Step Functions task's, never a client's): every operation that writes
   * is done once per key, its first answer recorded in its own transaction and given again.
   */
  handle(operation: string, body: string, serviceDelete = false, idempotencyKey?: string): Json {
    const run = this.#operations[operation];
    // DynamoDB's own answer to an operation it lacks has no text; the engine also answers the ones
    // it does not serve (backups, Kinesis streaming destinations, imports, ...), so it names them,
    // as the endpoint names another service's unserved operations.
    if (!run) throw new AwsError('UnknownOperationException', `${operation} is not supported by the local DynamoDB service`);
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch (error) {
      throw new DynamoDbError('SerializationException', UNREADABLE_BODY, { Message: UNREADABLE_BODY }, 400, { cause: error });
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new DynamoDbError('SerializationException', UNREADABLE_BODY, { Message: UNREADABLE_BODY });
    }
    validate(operation, input);
    checkTableName(input);
    // A read is one statement (its own snapshot) or, for several items, a deferred transaction; a write takes the write lock at once.
    if (SINGLE_READS.has(operation)) return run(input as Json, body, serviceDelete);
    if (MULTI_READS.has(operation)) return inReadTransaction(this.db, () => run(input as Json, body, serviceDelete));
    return inTransaction(this.db, () =>
      this.#requests.once(idempotencyKey, this.options.now, () => run(input as Json, body, serviceDelete)),
    );
  }

  /**
   * Answers several requests in one SQLite transaction (one commit for all: a group commit),
   * each in a savepoint of its own, so that one that fails leaves nothing and the others are
   * kept. Every answer, error or not, holds only once the transaction is committed: a failed
   * commit fails them all.
   */
  handleAll(requests: readonly EngineRequest[]): ({ output: Json } | { error: unknown })[] {
    if (requests.length === 1) {
      const [only] = requests as [EngineRequest];
      try {
        return [{ output: this.handle(only.operation, only.body, only.serviceDelete, only.idempotencyKey) }];
      } catch (error) {
        this.#afterRollback(only.operation);
        return [{ error }];
      }
    }
    this.db.exec('BEGIN IMMEDIATE');
    const results = requests.map((request) => {
      this.db.exec('SAVEPOINT request');
      try {
        const output = this.handle(request.operation, request.body, request.serviceDelete, request.idempotencyKey);
        this.db.exec('RELEASE request');
        return { output };
      } catch (error) {
        this.db.exec('ROLLBACK TO request');
        this.db.exec('RELEASE request');
        this.#afterRollback(request.operation);
        return { error };
      }
    });
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.#catalog.reload();
      return requests.map(() => ({ error }));
    }
    return results;
  }

  /** A table operation rolled back: the tables kept in memory are read again. */
  #afterRollback(operation: string): void {
    if (TABLE_CHANGES.has(operation)) this.#catalog.reload();
  }

  #itemContext(changed: (change: ItemChange) => void): ItemContext {
    return { catalog: this.#catalog, items: this.#items, changed };
  }

  /** The context of an operation that only reads: it changes nothing to hand on. */
  #reading(): ItemContext {
    return this.#itemContext(() => {});
  }

  /** Runs writes with their changes collected and handed on before the transaction commits. */
  #changing(serviceDelete: boolean, work: (context: ItemContext) => Json): Json {
    const changes: ItemChange[] = [];
    const output = work(this.#itemContext((change) => changes.push(change)));
    if (changes.length > 0) this.options.onChanges?.(changes, { serviceDelete });
    return output;
  }

  #write(prepare: (context: ItemContext, input: Json) => PreparedWrite, input: Json, serviceDelete: boolean): Json {
    return this.#changing(serviceDelete, (context) => {
      const write = prepare(context, input);
      return writeOutput(write, applyWrite(context, write));
    });
  }
}
