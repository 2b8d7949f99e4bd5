import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { startApp } from '../../testing/index.js';

/** A CDK app with one table, synthesized by startApp itself. */
function cdkApp(): App {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-testing-cdk-')) });
  const stack = new Stack(app, 'Tiny');
  new dynamodb.Table(stack, 'Notes', {
    tableName: 'tiny-notes',
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  });
  return app;
}

describe('startApp with a CDK App', () => {
  it('synthesizes the app and serves it', async () => {
    await using app = await startApp({ app: cdkApp() });
    await app.clients.dynamodb.send(new PutItemCommand({ TableName: 'tiny-notes', Item: { id: { S: 'n1' } } }));
    expect(await app.waitForItem('notes', { id: 'n1' })).toEqual({ id: 'n1' });
  });
});

describe('TestApp.restart', () => {
  it('starts the runtime again on the same data folder and port: what was written is still there', async () => {
    await using app = await startApp({ app: cdkApp() });
    const endpoint = app.endpoint;
    await app.clients.dynamodb.send(new PutItemCommand({ TableName: 'tiny-notes', Item: { id: { S: 'kept' } } }));
    await app.restart();
    expect(app.endpoint).toBe(endpoint);
    const { Item } = await app.clients.dynamodb.send(new GetItemCommand({ TableName: 'tiny-notes', Key: { id: { S: 'kept' } } }));
    expect(Item).toEqual({ id: { S: 'kept' } });
  });
});
