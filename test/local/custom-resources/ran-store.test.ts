import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as cr from 'aws-cdk-lib/custom-resources';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { synthStack } from '../cdk-stack.js';
import { sdkConfig } from '../restartable-runtime.js';
import { appRuntime } from './app-runtime.js';

/** A table, seeded by an AwsCustomResource (deleted on Delete) when `seeded`. */
function synthApp(outdir: string, seeded: boolean): void {
  synthStack(
    'Kept',
    (stack) => {
      const table = new dynamodb.Table(stack, 'Items', {
        tableName: 'kept-items',
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
      if (!seeded) return;
      new cr.AwsCustomResource(stack, 'Seed', {
        onCreate: {
          service: 'DynamoDB',
          action: 'putItem',
          parameters: { TableName: table.tableName, Item: { id: { S: 'seed' } } },
          physicalResourceId: cr.PhysicalResourceId.of('seed'),
        },
        onDelete: { service: 'DynamoDB', action: 'deleteItem', parameters: { TableName: table.tableName, Key: { id: { S: 'seed' } } } },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [table.tableArn] }),
      });
    },
    outdir,
  );
}

const app = appRuntime('switchyard-ranstore-');
const { logs, restart } = app;

const database = () => path.join(app.dataDir(), 'customresources.sqlite');
const seed = async (r: LocalRuntime) =>
  (
    await new DynamoDBClient({ ...sdkConfig(r.url), maxAttempts: 1 }).send(
      new GetItemCommand({ TableName: 'kept-items', Key: { id: { S: 'seed' } } }),
    )
  ).Item;

describe('CustomResources’ record of what ran (customresources.sqlite)', () => {
  it('is neither opened nor created by a start of an app without custom resources', async () => {
    synthApp(app.outdir(), false);
    await restart();
    expect(existsSync(database())).toBe(false);
  }, 60_000);

  it('is created once a custom resource runs, and a start whose template no longer has any still runs their Delete', async () => {
    synthApp(app.outdir(), true);
    expect(await seed(await restart())).toBeDefined();
    expect(existsSync(database())).toBe(true);
    synthApp(app.outdir(), false);
    const again = await restart();
    expect(logs).toContainEqual(expect.stringMatching(/Kept\/Seed[0-9A-F]{8} \(Custom::AWS\) Delete: DynamoDB\.deleteItem made$/));
    expect(await seed(again)).toBeUndefined();
  }, 60_000);
});
