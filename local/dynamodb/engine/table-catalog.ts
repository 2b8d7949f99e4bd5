import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { awsManagedKeyArn } from '../../kms/managed-keys.js';
import { TagStore } from '../../store/tag-store.js';
import { partitionOf } from '../../template/resolve.js';
import type { IndexShape, KeyShape, KeyType, TableShape } from './table-schema.js';

type Json = Record<string, unknown>;
type KeySchemaElement = { AttributeName: string; KeyType: 'HASH' | 'RANGE' };
type AttributeDefinition = { AttributeName: string; AttributeType: KeyType };

const validation = (message: string) => new AwsError('ValidationException', message);
export const tableNotFound = () => new AwsError('ResourceNotFoundException', 'Requested resource not found');

/** Where tables are: their ARNs' region and account, and the time a table is created at. */
export interface CatalogContext {
  readonly region: string;
  readonly accountId: string;
  readonly now: () => number;
}

/** The tables: their shapes in SQLite (`dynamodb_tables`), read once and kept in memory until they change. */
export class TableCatalog {
  readonly #byName = new Map<string, TableShape>();
  /** Tables' tags, by the table's ARN (a deleted table's go with it). */
  readonly tags: TagStore;

  constructor(
    private readonly db: DatabaseSync,
    private readonly context: CatalogContext,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS dynamodb_tables (
      name TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE, shape TEXT NOT NULL)`);
    // Before the TagStore, `dynamodb_tables`' `tags` column held each table's `[{ Key, Value }]`.
    this.tags = new TagStore(db, { table: 'dynamodb_tables', tagsColumn: 'tags', arnColumn: 'name', arnOf: (name) => this.arnOf(name) });
    db.exec(DECLARED_TABLE_IDS);
    this.reload();
  }

  /** Reads the tables again from the database (after a change to them was rolled back). */
  reload(): void {
    this.#byName.clear();
    for (const row of this.db.prepare('SELECT shape FROM dynamodb_tables').all() as { shape: string }[]) {
      const shape = JSON.parse(row.shape) as TableShape;
      this.#byName.set(shape.name, shape);
    }
  }

  /** A table by its name or ARN; undefined if there is none. */
  find(nameOrArn: string): TableShape | undefined {
    return this.#byName.get(tableNameOf(nameOrArn));
  }

  /** A table by its name or ARN; DynamoDB's ResourceNotFoundException if there is none. */
  get(nameOrArn: string): TableShape {
    const table = this.find(nameOrArn);
    if (!table) throw tableNotFound();
    return table;
  }

  /** A table for an operation on the table itself (DescribeTable, DeleteTable, ...), whose ResourceNotFoundException names it. */
  described(nameOrArn: string): TableShape {
    const table = this.find(nameOrArn);
    if (!table) throw new AwsError('ResourceNotFoundException', `Requested resource not found: Table: ${nameOrArn} not found`);
    return table;
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  /** The region and account the tables are in. */
  get location(): { readonly region: string; readonly accountId: string } {
    return this.context;
  }

  arnOf(name: string): string {
    return `arn:aws:dynamodb:${this.context.region}:${this.context.accountId}:table/${name}`;
  }

  /** Creates a table from CreateTable's (model-checked) input; ResourceInUseException if it exists. */
  create(input: Json): TableShape {
    const name = String(input.TableName);
    // The model leaves these optional (a replica of a global table names neither); a table of its own needs both.
    const missing = ['attributeDefinitions', 'keySchema'].filter((member) => input[member[0]?.toUpperCase() + member.slice(1)] == null);
    if (missing.length > 0) {
      const count = missing.length === 1 ? '1 validation error' : `${missing.length} validation errors`;
      throw validation(
        `${count} detected: ${missing.map((member) => `Value null at '${member}' failed to satisfy constraint: Member must not be null`).join('; ')}`,
      );
    }
    const definitions = checkDefinitions(input.AttributeDefinitions as AttributeDefinition[]);
    const key = keyShape(input.KeySchema as KeySchemaElement[], definitions, undefined);
    const indexes = [
      ...((input.LocalSecondaryIndexes as Json[] | undefined) ?? []).map((index) => indexShape(index, 'local', definitions, key)),
      ...((input.GlobalSecondaryIndexes as Json[] | undefined) ?? []).map((index) => indexShape(index, 'global', definitions, key)),
    ];
    checkAllDefinitionsUsed(definitions, key, indexes);
    checkBilling(input);
    if (this.#byName.has(name)) throw new AwsError('ResourceInUseException', `Table already exists: ${name}`);
    const id = Number((this.db.prepare('SELECT COALESCE(MAX(id), 0) + 1 AS id FROM dynamodb_tables').get() as { id: number }).id);
    const createdSeconds = this.context.now() / 1000;
    const arn = this.arnOf(name);
    const onDemand = input.BillingMode === 'PAY_PER_REQUEST';
    const throughput = (spec: unknown) => ({
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: onDemand ? 0 : Number((spec as Json | undefined)?.ReadCapacityUnits ?? 0),
      WriteCapacityUnits: onDemand ? 0 : Number((spec as Json | undefined)?.WriteCapacityUnits ?? 0),
    });
    const description: Json = {
      AttributeDefinitions: input.AttributeDefinitions,
      TableName: name,
      KeySchema: input.KeySchema,
      TableStatus: 'ACTIVE',
      CreationDateTime: createdSeconds,
      ProvisionedThroughput: throughput(input.ProvisionedThroughput),
      TableArn: arn,
      TableId: this.#declaredId(name) ?? randomUUID(),
      ...(onDemand ? { BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: createdSeconds } } : {}),
      ...(input.LocalSecondaryIndexes
        ? {
            LocalSecondaryIndexes: (input.LocalSecondaryIndexes as Json[]).map((index) => ({
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
              IndexArn: `${arn}/index/${index.IndexName}`,
            })),
          }
        : {}),
      ...(input.GlobalSecondaryIndexes
        ? {
            GlobalSecondaryIndexes: (input.GlobalSecondaryIndexes as Json[]).map((index) => globalIndexDescription(index, arn, throughput)),
          }
        : {}),
      ...(input.TableClass ? { TableClassSummary: { TableClass: input.TableClass } } : {}),
      DeletionProtectionEnabled: input.DeletionProtectionEnabled === true,
      ...warmThroughputOf(input),
      ...sseDescriptionOf(input.SSESpecification, this.context),
    };
    const shape: TableShape = { id, name, ...key, indexes, description };
    this.db.prepare('INSERT INTO dynamodb_tables (name, id, shape) VALUES (?, ?, ?)').run(name, id, JSON.stringify(shape));
    this.tags.tag(
      arn,
      ((input.Tags ?? []) as { Key: string; Value: string }[]).map((tag) => [tag.Key, tag.Value]),
    );
    this.#byName.set(name, shape);
    return shape;
  }

  /** The id the template declared for a table of this name (declareTableId), taken once: a table made again gets a new one, as in AWS. */
  #declaredId(name: string): string | undefined {
    const row = this.db.prepare('SELECT table_id FROM dynamodb_declared_table_ids WHERE name = ?').get(name) as
      | { table_id: string }
      | undefined;
    if (row) this.db.prepare('DELETE FROM dynamodb_declared_table_ids WHERE name = ?').run(name);
    return row?.table_id;
  }

  /** Replaces a table's shape (UpdateTable). */
  replace(shape: TableShape): void {
    this.db.prepare('UPDATE dynamodb_tables SET shape = ? WHERE name = ?').run(JSON.stringify(shape), shape.name);
    this.#byName.set(shape.name, shape);
  }

  delete(table: TableShape): void {
    this.db.prepare('DELETE FROM dynamodb_tables WHERE name = ?').run(table.name);
    // A table created again under the name starts untagged.
    this.tags.forget(this.arnOf(table.name));
    this.#byName.delete(table.name);
  }
}

const DECLARED_TABLE_IDS = 'CREATE TABLE IF NOT EXISTS dynamodb_declared_table_ids (name TEXT PRIMARY KEY, table_id TEXT NOT NULL)';

/**
 * Gives the next table created with this name the id the template's return values gave it
 * (a global table's `TableId`), so that DescribeTable answers what `Fn::GetAtt` resolved to.
 * Written by the runtime's thread on its own connection to the engine's database, before
 * its CreateTable.
 */
export function declareTableId(db: DatabaseSync, name: string, tableId: string): void {
  db.exec(DECLARED_TABLE_IDS);
  db.prepare('INSERT OR REPLACE INTO dynamodb_declared_table_ids (name, table_id) VALUES (?, ?)').run(name, tableId);
}

/** The names DynamoDB allows a table. */
const TABLE_NAME_PATTERN = '[a-zA-Z0-9_.-]+';

/**
 * A request's TableName that is not an ARN must be a name DynamoDB allows: the model's
 * TableName accepts a table's ARN too (since 2024), so it checks only the length, but DynamoDB
 * still refuses another name with the pattern's ValidationException (not ResourceNotFoundException).
 */
export function checkTableName(input: { readonly TableName?: unknown }): void {
  const name = input.TableName;
  if (typeof name !== 'string' || name.startsWith('arn:') || new RegExp(`^${TABLE_NAME_PATTERN}$`).test(name)) return;
  throw validation(
    `1 validation error detected: Value '${name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TABLE_NAME_PATTERN}`,
  );
}

/** A table's name from its name or ARN (`arn:aws:dynamodb:...:table/<name>`). */
export function tableNameOf(nameOrArn: string): string {
  const match = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)/.exec(nameOrArn);
  return match ? (match[1] as string) : nameOrArn;
}

export function globalIndexDescription(index: Json, tableArn: string, throughput: (spec: unknown) => Json): Json {
  return {
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: index.Projection,
    IndexStatus: 'ACTIVE',
    ProvisionedThroughput: throughput(index.ProvisionedThroughput),
    IndexArn: `${tableArn}/index/${index.IndexName}`,
    ...warmThroughputOf(index),
  };
}

/**
 * A table's `SSEDescription` for its `SSESpecification`: none for the AWS owned key (the
 * default), else KMS with the key asked for or the account's AWS managed key (aws/dynamodb).
 * An alias is named by its ARN (AWS names the key's; the engine does not ask KMS).
 */
export function sseDescriptionOf(spec: unknown, context: { region: string; accountId: string }): Json {
  const sse = spec as { Enabled?: boolean; SSEType?: string; KMSMasterKeyId?: string } | undefined;
  if (sse?.Enabled !== true) return {};
  const key = sse.KMSMasterKeyId;
  const arn =
    key === undefined
      ? awsManagedKeyArn(context.accountId, context.region, 'alias/aws/dynamodb')
      : key.startsWith('arn:')
        ? key
        : `arn:${partitionOf(context.region)}:kms:${context.region}:${context.accountId}:${key.startsWith('alias/') ? key : `key/${key}`}`;
  return { SSEDescription: { Status: 'ENABLED', SSEType: sse.SSEType ?? 'KMS', KMSMasterKeyArn: arn } };
}

/** A table's or index's `WarmThroughput` as asked for in CreateTable or UpdateTable (AWS's defaults otherwise: see describe). */
export function warmThroughputOf(input: Json): Json {
  const warm = input.WarmThroughput as { ReadUnitsPerSecond?: number; WriteUnitsPerSecond?: number } | undefined;
  if (!warm) return {};
  return {
    WarmThroughput: {
      ...(warm.ReadUnitsPerSecond === undefined ? {} : { ReadUnitsPerSecond: warm.ReadUnitsPerSecond }),
      ...(warm.WriteUnitsPerSecond === undefined ? {} : { WriteUnitsPerSecond: warm.WriteUnitsPerSecond }),
      Status: 'ACTIVE',
    },
  };
}

function checkDefinitions(definitions: readonly AttributeDefinition[]): Map<string, KeyType> {
  const types = new Map<string, KeyType>();
  for (const definition of definitions) {
    if (types.has(definition.AttributeName)) throw validation('Cannot have two attributes with the same name');
    types.set(definition.AttributeName, definition.AttributeType);
  }
  return types;
}

/** A key schema's shape; `index` names the index whose schema it is, for the messages. */
export function keyShape(schema: readonly KeySchemaElement[], definitions: Map<string, KeyType>, index: string | undefined): KeyShape {
  const [hash, range] = schema;
  const where = index === undefined ? 'Invalid KeySchema' : `Invalid KeySchema for index ${index}`;
  if (hash?.KeyType !== 'HASH') throw validation(`${where}: The first KeySchemaElement is not a HASH key type`);
  if (range && range.KeyType !== 'RANGE') throw validation(`${where}: The second KeySchemaElement is not a RANGE key type`);
  if (range && range.AttributeName === hash.AttributeName) {
    throw validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  const typed = (element: KeySchemaElement) => {
    const type = definitions.get(element.AttributeName);
    if (type === undefined) {
      throw validation(
        `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${schema
          .map((e) => e.AttributeName)
          .join(', ')}], AttributeDefinitions: [${[...definitions.keys()].join(', ')}]`,
      );
    }
    return { name: element.AttributeName, type };
  };
  return range ? { hash: typed(hash), range: typed(range) } : { hash: typed(hash) };
}

export function indexShape(index: Json, kind: 'global' | 'local', definitions: Map<string, KeyType>, table: KeyShape): IndexShape {
  const name = String(index.IndexName);
  const key = keyShape(index.KeySchema as KeySchemaElement[], definitions, name);
  if (kind === 'local') {
    if (!table.range) {
      throw validation(
        'One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex',
      );
    }
    if (key.hash.name !== table.hash.name) {
      throw validation(
        `One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: ${name}. index hash key: ${key.hash.name}, table hash key: ${table.hash.name}`,
      );
    }
    if (!key.range)
      throw validation(`One or more parameter values were invalid: Index KeySchema does not have a range key for index: ${name}`);
  }
  const projection = (index.Projection ?? {}) as { ProjectionType?: string; NonKeyAttributes?: string[] };
  const type = (projection.ProjectionType ?? 'ALL') as IndexShape['projection']['type'];
  if (type !== 'INCLUDE' && projection.NonKeyAttributes) {
    throw validation(`One or more parameter values were invalid: ProjectionType is ${type}, but NonKeyAttributes is specified`);
  }
  return { name, kind, ...key, projection: { type, attributes: projection.NonKeyAttributes ?? [] } };
}

function checkAllDefinitionsUsed(definitions: Map<string, KeyType>, key: KeyShape, indexes: readonly IndexShape[]): void {
  const used = new Set<string>();
  for (const shape of [key, ...indexes]) {
    used.add(shape.hash.name);
    if (shape.range) used.add(shape.range.name);
  }
  if (used.size !== definitions.size) {
    throw validation(
      indexes.length === 0
        ? 'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions'
        : `One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [${[...definitions.keys()].join(', ')}], keys used: [${[...used].join(', ')}]`,
    );
  }
  const names = new Set<string>();
  for (const index of indexes) {
    if (names.has(index.name)) throw validation(`One or more parameter values were invalid: Duplicate index name: ${index.name}`);
    names.add(index.name);
  }
}

function checkBilling(input: Json): void {
  const onDemand = input.BillingMode === 'PAY_PER_REQUEST';
  const provisioned = [
    input.ProvisionedThroughput,
    ...((input.GlobalSecondaryIndexes as Json[] | undefined) ?? []).map((i) => i.ProvisionedThroughput),
  ];
  if (onDemand && input.ProvisionedThroughput !== undefined) {
    throw validation(
      'One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    );
  }
  if (!onDemand && provisioned.some((p) => p === undefined)) {
    throw validation(
      input.ProvisionedThroughput === undefined
        ? 'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED'
        : 'One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ' +
            String(((input.GlobalSecondaryIndexes as Json[]).find((i) => i.ProvisionedThroughput === undefined) as Json).IndexName),
    );
  }
}
