import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CreateTableCommandInput, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeEach } from 'vitest';
import { DynamoDbEngine, type EngineOptions } from '../../local/dynamodb/engine/engine.js';
import { engineListener } from '../../local/dynamodb/engine/http.js';
import { openDatabase } from '../../local/store/data-folder.js';
import { tableInput } from './dynamodb-table-inputs.js';
import { createActiveTable } from './dynamodb-tables.js';
import { startedForTests } from './started-for-tests.js';

export interface DynamoDbHandle {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Creates a table with the idempotency store's layout (key `id`), and waits until it is ACTIVE. */
  createIdempotencyTable(name: string): Promise<void>;
  /** Creates an on-demand table keyed on string attributes, `partitionKey` and `sortKey` if given, and waits until it is ACTIVE. */
  createTable(name: string, partitionKey: string, sortKey?: string): Promise<void>;
  /** Every item of a table (one Scan page: a test's tables are small), unmarshalled, as the test says they are. */
  items<T extends object = Record<string, unknown>>(name: string): Promise<T[]>;
  close(): Promise<void>;
}

export interface DynamoDbOptions {
  /** The engine's clock. @default Date.now */
  readonly now?: () => number;
  readonly onChanges?: EngineOptions['onChanges'];
  /** The client's attempts at a request (the SDK retries throttling and server errors). @default 3 */
  readonly maxAttempts?: number;
  /** Tables to create before the engine is handed over. */
  readonly tables?: readonly CreateTableCommandInput[];
}

/** Starts the runtime's DynamoDB engine in this process (tables in memory, no streams) on a free loopback port. */
export async function startDynamoDb(options: DynamoDbOptions = {}): Promise<DynamoDbHandle> {
  const engine = new DynamoDbEngine(openDatabase(':memory:'), {
    region: 'us-east-1',
    accountId: '000000000000',
    now: options.now ?? (() => Date.now()),
    streams: { of: () => undefined, enable: () => ({ arn: 'arn:none', label: 'none', viewType: 'KEYS_ONLY' }), disable: () => {} },
    onChanges: options.onChanges,
  });
  const server = createServer(engineListener(engine));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: options.maxAttempts,
  });
  for (const table of options.tables ?? []) await createActiveTable(client, table);
  return {
    client,
    endpoint,
    async createIdempotencyTable(name) {
      await createActiveTable(client, tableInput(name, { key: { id: 'S' } }));
    },
    async createTable(name, partitionKey, sortKey) {
      const key = sortKey === undefined ? { [partitionKey]: 'S' as const } : { [partitionKey]: 'S' as const, [sortKey]: 'S' as const };
      await createActiveTable(client, tableInput(name, { key }));
    },
    async items<T extends object>(name: string) {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: name }));
      return Items.map((item) => unmarshall(item) as T);
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * The engine for the tests of the file (or describe) that calls this: started before them with
 * `options`, then `setUp` (the items they share), closed after them. The handle is the engine's from then on.
 */
export function useDynamoDb(setUp?: (dynamo: DynamoDbHandle) => Promise<void>, options: DynamoDbOptions = {}): DynamoDbHandle {
  return startedForTests(
    'the DynamoDB engine',
    () => startDynamoDb(options),
    (dynamo) => dynamo.close(),
    { setUp },
  );
}

/**
 * A table of its own for each test, named `${prefix}-N`, so no test reads what another wrote;
 * `create` makes it (an idempotency store's table unless given).
 */
export function useTablePerTest(
  dynamo: DynamoDbHandle,
  prefix: string,
  create: (name: string) => Promise<unknown> = (name) => dynamo.createIdempotencyTable(name),
): { readonly name: string } {
  let count = 0;
  let name = '';
  beforeEach(async () => {
    name = `${prefix}-${++count}`;
    await create(name);
  });
  return {
    get name() {
      return name;
    },
  };
}
