import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEngine, type EngineOptions } from '../../local/dynamodb/engine/engine.js';
import { engineListener } from '../../local/dynamodb/engine/http.js';
import { openDatabase } from '../../local/store/data-folder.js';
import { tableInput } from './dynamodb-table-inputs.js';

export interface DynamoDbHandle {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Creates a table with the idempotency store's layout (key `id`). */
  createIdempotencyTable(name: string): Promise<void>;
  /** Creates an on-demand table keyed on string attributes: `partitionKey`, and `sortKey` if given. */
  createTable(name: string, partitionKey: string, sortKey?: string): Promise<void>;
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
  for (const table of options.tables ?? []) await client.send(new CreateTableCommand(table));
  return {
    client,
    endpoint,
    async createIdempotencyTable(name) {
      await client.send(new CreateTableCommand(tableInput(name, { key: { id: 'S' } })));
    },
    async createTable(name, partitionKey, sortKey) {
      const key = sortKey === undefined ? { [partitionKey]: 'S' as const } : { [partitionKey]: 'S' as const, [sortKey]: 'S' as const };
      await client.send(new CreateTableCommand(tableInput(name, { key })));
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
    },
  };
}
