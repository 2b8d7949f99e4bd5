import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../local/clock.js';
import { DynamoDbHost, type WorkerRequest } from '../../../local/dynamodb/dynamodb-host.js';
import { StreamStore } from '../../../local/dynamodb/streams/stream-store.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';

const TABLE = 'ledger';

/** A data folder: dynalite's store and the stream database, what survives a kill. */
function dataFolder() {
  const folder = tempDataDir();
  mkdirSync(path.join(folder, 'dynamodb'));
  return { dynalite: path.join(folder, 'dynamodb'), database: path.join(folder, 'dynamodb-streams.sqlite') };
}

/** The stream store on the data folder's database, answering dynalite's thread as the streams service does. */
function streams(file: string, options: { dieBeforeRecords?: boolean } = {}) {
  const store = new StreamStore(openDatabase(file), systemClock, region, '000000000000');
  store.enable(TABLE, 'NEW_IMAGE', [{ AttributeName: 'pk', KeyType: 'HASH' }], 'label');
  const answer = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.kind) {
      case 'writeBegins':
        return { pendingId: store.beginWrite(request.items) };
      case 'records':
        // The runtime is killed here: dynalite has applied the write, its record is never committed.
        if (options.dieBeforeRecords) return new Promise(() => {});
        store.append(request.records, request.pendingId);
        return {};
      case 'writeEnded':
        store.endWrite(request.pendingId);
        return {};
      case 'pendingWrites':
        return { writes: store.pendingWrites() };
      default:
        return { streams: store.enabledByTable() };
    }
  };
  return { store, answer };
}

describe('change capture across a kill', () => {
  it('commits the stream record of a write dynalite applied just before the kill, at the next start', async () => {
    const { dynalite, database } = dataFolder();
    const first = streams(database, { dieBeforeRecords: true });
    const dying = await DynamoDbHost.start({ folder: dynalite });
    dying.serve(first.answer);
    dying.setStreams(first.store.enabledByTable());
    const client = new DynamoDBClient({ endpoint: dying.url, region, credentials, maxAttempts: 1 });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // dynalite answers ResourceNotFound for a table still CREATING: on a busy machine that lasts past the next request.
    await eventually(async () =>
      (await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableStatus === 'ACTIVE' ? true : undefined,
    );
    const write = client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'JOB-1' }, announcement: { S: 'ScriptWritten' } } }));
    write.catch(() => {});
    const reader = new DynamoDBClient({ endpoint: dying.url, region, credentials, maxAttempts: 1 });
    await eventually(async () => (await reader.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'JOB-1' } } }))).Item);
    reader.destroy();
    client.destroy();
    await dying.stop();
    expect(first.store.read(first.store.enabledByTable()[TABLE]?.arn ?? '', 0, 10)).toEqual([]);

    const second = streams(database);
    const restarted = await DynamoDbHost.start({ folder: dynalite });
    try {
      restarted.serve(second.answer);
      restarted.setStreams(second.store.enabledByTable());
      const arn = second.store.enabledByTable()[TABLE]?.arn ?? '';
      const [record] = await eventually(async () => {
        const records = second.store.read(arn, 0, 10);
        return records.length > 0 ? records : undefined;
      });
      expect(record?.record).toMatchObject({
        eventName: 'INSERT',
        dynamodb: { Keys: { pk: { S: 'JOB-1' } }, NewImage: { pk: { S: 'JOB-1' }, announcement: { S: 'ScriptWritten' } } },
      });
      expect(second.store.pendingWrites()).toEqual([]);
    } finally {
      await restarted.stop();
    }
  }, 60_000);

  it('commits no record for a write the kill came before, and settles it', async () => {
    const { dynalite, database } = dataFolder();
    const { store } = streams(database);
    // What a kill between the pending write and dynalite leaves: the item never written.
    store.beginWrite([{ table: TABLE, key: { pk: { S: 'JOB-2' } }, before: null }]);
    const host = await DynamoDbHost.start({ folder: dynalite });
    try {
      const { answer } = streams(database);
      host.serve(answer);
      await eventually(async () => (store.pendingWrites().length === 0 ? true : undefined));
      expect(store.read(store.enabledByTable()[TABLE]?.arn ?? '', 0, 10)).toEqual([]);
    } finally {
      await host.stop();
    }
  }, 60_000);
});
