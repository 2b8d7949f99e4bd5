import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// dynalite ships no types; it is a real DynamoDB implementation (LevelDB in memory).
// @ts-expect-error -- untyped CommonJS module
import dynalite from 'dynalite';
import { returnValuesOnConditionCheckFailure } from '../../local/dynamodb/dynalite-conditions.mjs';

export interface DynaliteHandle {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Creates a table with the idempotency store's layout (key `id`). */
  createIdempotencyTable(name: string): Promise<void>;
  /** Creates an on-demand table keyed on string attributes: `partitionKey`, and `sortKey` if given. */
  createTable(name: string, partitionKey: string, sortKey?: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts dynalite in this process on a free loopback port. */
export async function startDynalite(): Promise<DynaliteHandle> {
  returnValuesOnConditionCheckFailure();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  // dynalite answers CreateTable with the table CREATING and writes it ACTIVE a moment later
  // (after a timer and a LevelDB write), refusing items until then with ResourceNotFound, as
  // DynamoDB does. A loaded machine lost that race; each CreateTable here returns once ACTIVE.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'CreateTableCommand') {
        await waitUntilActive(client, (args.input as { TableName: string }).TableName);
      }
      return result;
    },
    { step: 'initialize', name: 'waitForActiveTable' },
  );
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
      await new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
    },
  };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE within 2 s`);
}
