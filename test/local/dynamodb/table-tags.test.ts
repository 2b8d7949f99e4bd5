import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { idTable } from '../template-resources.js';

const tableArn = (name: string) => `arn:aws:dynamodb:${region}:000000000000:table/${name}`;
const cdkOut = assemblyOf({ Orders: idTable({ TableName: 'from-template', Tags: [{ Key: 'team', Value: 'template' }] }) });
const keyed = {
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
};

describe('DynamoDB table tags', () => {
  const runtimes = new RuntimesWithData();
  const clients: DynamoDBClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await runtimes.stopAll();
  });

  async function started(dataDir: string): Promise<DynamoDBClient> {
    const runtime = await runtimes.start(cdkOut, { dataDir });
    const client = new DynamoDBClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  }

  const tagsOf = async (ddb: DynamoDBClient, name: string) =>
    (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn(name) }))).Tags;

  it("keeps a table's tags in the order first given, a template's table its template's, and forgets a deleted table's", async () => {
    const ddb = await started(tempDataDir());
    expect(await tagsOf(ddb, 'from-template')).toEqual([{ Key: 'team', Value: 'template' }]);
    await ddb.send(
      new CreateTableCommand({ TableName: 'made', BillingMode: 'PAY_PER_REQUEST', ...keyed, Tags: [{ Key: 'a', Value: '1' }] }),
    );
    await ddb.send(
      new TagResourceCommand({
        ResourceArn: tableArn('made'),
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: '3' },
        ],
      }),
    );
    await ddb.send(new UntagResourceCommand({ ResourceArn: tableArn('made'), TagKeys: ['b', 'missing'] }));
    expect(await tagsOf(ddb, 'made')).toEqual([{ Key: 'a', Value: '3' }]);
    await ddb.send(new DeleteTableCommand({ TableName: 'made' }));
    await ddb.send(new CreateTableCommand({ TableName: 'made', BillingMode: 'PAY_PER_REQUEST', ...keyed }));
    expect(await tagsOf(ddb, 'made')).toEqual([]);
  });

  it("keeps the tags a data folder of an earlier version held in its tables' rows, moved into the tag store once", async () => {
    const dataDir = tempDataDir();
    const first = await started(dataDir);
    await first.send(new CreateTableCommand({ TableName: 'old-tagged', BillingMode: 'PAY_PER_REQUEST', ...keyed }));
    await runtimes.stopAll();
    // The tables' catalog as the earlier version kept it: each table's `[{ Key, Value }]` in its `tags` column, no tag store.
    const file = path.join(dataDir, 'dynamodb', 'tables.sqlite');
    expect(existsSync(file)).toBe(true);
    const db = new DatabaseSync(file);
    db.exec(`ALTER TABLE dynamodb_tables ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'; DROP TABLE resource_tags`);
    const setTags = db.prepare('UPDATE dynamodb_tables SET tags = ? WHERE name = ?');
    setTags.run(JSON.stringify([{ Key: 'team', Value: 'a' }]), 'old-tagged');
    setTags.run(JSON.stringify([{ Key: 'team', Value: 'template' }]), 'from-template');
    db.close();

    const second = await started(dataDir);
    expect(await tagsOf(second, 'old-tagged')).toEqual([{ Key: 'team', Value: 'a' }]);
    expect(await tagsOf(second, 'from-template')).toEqual([{ Key: 'team', Value: 'template' }]);
  });
});
