import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEngine } from '../../local/dynamodb/engine/engine.js';
import { engineListener } from '../../local/dynamodb/engine/http.js';
import { openDatabase } from '../../local/store/data-folder.js';

export interface DynamoDbHandle {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Creates a table with the idempotency store's layout (key `id`). */
  createIdempotencyTable(name: string): Promise<void>;
  /** Creates an on-demand table keyed on string attributes: `partitionKey`, and `sortKey` if given. */
  createTable(name: string, partitionKey: string, sortKey?: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the runtime's DynamoDB engine in this process (tables in memory, no streams) on a free loopback port. */
export async function startDynamoDb(): Promise<DynamoDbHandle> {
  const engine = new DynamoDbEngine(openDatabase(':memory:'), {
    region: 'us-east-1',
    accountId: '000000000000',
    now: () => Date.now(),
    streams: { of: () => undefined, enable: () => ({ arn: 'arn:none', label: 'none', viewType: 'KEYS_ONLY' }), disable: () => {} },
  });
  const server = createServer(engineListener(engine));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return {
    client,
    endpoint,
    async createIdempotencyTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
    async createTable(name, partitionKey, sortKey) {
      const keys = sortKey === undefined ? [partitionKey] : [partitionKey, sortKey];
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
    },
  };
}
