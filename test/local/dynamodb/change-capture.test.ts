import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbHost, type WorkerRequest } from '../../../local/dynamodb/dynamodb-host.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { credentials, region } from '../helpers.js';

describe('change capture in dynalite', () => {
  let host: DynamoDbHost;
  let client: DynamoDBClient;
  const committed: string[] = [];
  let failNext = false;

  beforeAll(async () => {
    host = await DynamoDbHost.start();
    host.serve(async (request: WorkerRequest) => {
      if (request.kind !== 'records') return { streams: { captured: { viewType: 'NEW_IMAGE', arn: 'arn:stream', label: 'l' } } };
      // A slow commit: the write must not be answered before it is done.
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('disk full'), { code: 'InternalServerError' });
      }
      committed.push(...request.records.map((r) => (r.keys as { pk: { S: string } }).pk.S));
      return {};
    });
    host.setStreams({ captured: { viewType: 'NEW_IMAGE', arn: 'arn:stream', label: 'l' } });
    client = new DynamoDBClient({ endpoint: host.url, region, credentials, maxAttempts: 1 });
    await createActiveTable(client, {
      TableName: 'captured',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
  afterAll(async () => {
    client.destroy();
    await host.stop();
  });

  it('answers a write only after its stream record is committed', async () => {
    await client.send(new PutItemCommand({ TableName: 'captured', Item: { pk: { S: 'a' } } }));
    expect(committed).toEqual(['a']);
  });

  it('fails a write whose record cannot be committed, rather than acknowledging it without one', async () => {
    failNext = true;
    await expect(client.send(new PutItemCommand({ TableName: 'captured', Item: { pk: { S: 'b' } } }))).rejects.toMatchObject({
      name: 'InternalServerError',
      message: expect.stringContaining('disk full'),
    });
  });
});
