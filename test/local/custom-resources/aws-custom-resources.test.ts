import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v3ServiceName } from '../../../local/custom-resources/aws-sdk-call.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { synthStack } from '../cdk-stack.js';
import { tempDataDir } from '../helpers.js';
import { sdkConfig } from '../restartable-runtime.js';

/**
 * An app that seeds its table with AwsCustomResources, as CDK apps do: a PutItem on create
 * (changed to `version` on update), one whose table does not exist (a failing call), one
 * whose error is ignored (ignoreErrorCodesMatching), with IAM enforced so the calls are judged
 * by the policy the construct gives its provider's role.
 */
function synthApp(outdir: string, version: string, withIgnored: boolean): void {
  synthStack(
    'Seed',
    (stack) => {
      const table = new dynamodb.Table(stack, 'Items', {
        tableName: 'seed-items',
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
      const put = (value: string): cr.AwsSdkCall => ({
        service: 'DynamoDB',
        action: 'putItem',
        parameters: { TableName: table.tableName, Item: { id: { S: 'seed' }, version: { S: value } } },
        physicalResourceId: cr.PhysicalResourceId.of('seed-item'),
      });
      new cr.AwsCustomResource(stack, 'SeedItem', {
        onCreate: put(version),
        onUpdate: put(`${version}-updated`),
        onDelete: {
          service: 'DynamoDB',
          action: 'deleteItem',
          parameters: { TableName: table.tableName, Key: { id: { S: 'seed' } } },
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [table.tableArn] }),
      });
      new cr.AwsCustomResource(stack, 'Missing', {
        onCreate: {
          service: 'DynamoDB',
          action: 'putItem',
          parameters: { TableName: 'no-such-table', Item: { id: { S: 'x' } } },
          physicalResourceId: cr.PhysicalResourceId.of('missing'),
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/no-such-table'] }),
      });
      // aws-events-targets' CloudWatchLogGroup makes one with resourceType Custom::CloudwatchLogResourcePolicy: it runs as Custom::AWS.
      new cr.AwsCustomResource(stack, 'Typed', {
        resourceType: 'Custom::SeedTyped',
        onCreate: { ...put('typed'), parameters: { TableName: table.tableName, Item: { id: { S: 'typed' } } } },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [table.tableArn] }),
      });
      if (!withIgnored) return;
      const item = (id: string) => ({ TableName: table.tableName, Item: { id: { S: id } } });
      new cr.AwsCustomResource(stack, 'Extra', {
        onCreate: {
          service: 'DynamoDB',
          action: 'putItem',
          parameters: item('extra'),
          physicalResourceId: cr.PhysicalResourceId.of('extra'),
        },
        onDelete: { service: 'DynamoDB', action: 'deleteItem', parameters: { TableName: table.tableName, Key: { id: { S: 'extra' } } } },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [table.tableArn] }),
      });
      // The provider's role (one for all of a stack's AwsCustomResources) may not put items in this table: IAM refuses the call, as AWS would.
      const other = new dynamodb.Table(stack, 'Other', {
        tableName: 'other-items',
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
      new cr.AwsCustomResource(stack, 'Denied', {
        onCreate: {
          service: 'DynamoDB',
          action: 'putItem',
          parameters: { ...item('denied'), TableName: other.tableName },
          physicalResourceId: cr.PhysicalResourceId.of('denied'),
        },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/other'] }),
        ]),
      });
      new cr.AwsCustomResource(stack, 'Ignored', {
        onCreate: {
          service: '@aws-sdk/client-dynamodb',
          action: 'DeleteTableCommand',
          parameters: { TableName: 'gone-already' },
          physicalResourceId: cr.PhysicalResourceId.of('ignored'),
          ignoreErrorCodesMatching: 'ResourceNotFound.*',
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      });
    },
    outdir,
  );
}

let outdir: string;
let dataDir: string;
let runtime: LocalRuntime | undefined;
const logs: string[] = [];

async function start(): Promise<LocalRuntime> {
  runtime = await LocalRuntime.start({ cdkOut: outdir, dataDir, port: 0, iam: 'enforce', log: (line) => logs.push(line) });
  return runtime;
}

async function restart(): Promise<LocalRuntime> {
  await runtime?.stop();
  logs.length = 0;
  return start();
}

const client = (r: LocalRuntime) => new DynamoDBClient({ ...sdkConfig(r.url), maxAttempts: 1 });
const itemOf = async (r: LocalRuntime, id: string) =>
  (await client(r).send(new GetItemCommand({ TableName: 'seed-items', Key: { id: { S: id } } }))).Item;
const seeded = async (r: LocalRuntime) => (await itemOf(r, 'seed'))?.version?.S;

beforeAll(async () => {
  outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-customres-'));
  dataDir = tempDataDir();
  synthApp(outdir, 'one', true);
  await start();
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  rmSync(outdir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('AwsCustomResources (Custom::AWS)', () => {
  it('makes its Create call at start, signed as its provider role, before the runtime is ready, with no start-up warning', async () => {
    expect(await seeded(runtime as LocalRuntime)).toBe('one');
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^\[customresources\] custom resource Seed\/SeedItem[0-9A-F]{8} \(Custom::AWS\) Create: DynamoDB\.putItem made$/,
      ),
    );
    expect((runtime as LocalRuntime).warnings.filter((w) => w.includes('Custom::AWS'))).toEqual([]);
  });

  it('runs one whose resourceType is another Custom:: type (its provider is the same), with no start-up warning', async () => {
    expect(await itemOf(runtime as LocalRuntime, 'typed')).toBeDefined();
    expect(logs).toContainEqual(expect.stringMatching(/Seed\/Typed[0-9A-F]{8} \(Custom::SeedTyped\) Create: DynamoDB\.putItem made$/));
    expect((runtime as LocalRuntime).warnings.filter((w) => w.includes('Custom::SeedTyped'))).toEqual([]);
  });

  it('names a failing call with the resource, the call and AWS’s error, and the rest of the app runs', () => {
    expect(logs.find((line) => line.includes('Seed/Missing'))).toMatch(
      /^\[customresources\] custom resource Seed\/Missing[0-9A-F]{8} \(Custom::AWS\) Create failed: DynamoDB\.putItem answered ResourceNotFoundException: /,
    );
  });

  it('signs the call as its provider function’s role: IAM, enforced, refuses what the role’s policy does not allow', async () => {
    expect(logs.find((line) => line.includes('Seed/Denied'))).toMatch(/Create failed: DynamoDB\.putItem answered AccessDeniedException: /);
    const denied = await client(runtime as LocalRuntime).send(
      new GetItemCommand({ TableName: 'other-items', Key: { id: { S: 'denied' } } }),
    );
    expect(denied.Item).toBeUndefined();
    expect(await itemOf(runtime as LocalRuntime, 'extra')).toBeDefined();
  });

  it('ignores an error whose code ignoreErrorCodesMatching matches', () => {
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^\[customresources\] custom resource Seed\/Ignored[0-9A-F]{8} \(Custom::AWS\) Create: @aws-sdk\/client-dynamodb\.DeleteTableCommand answered ResourceNotFoundException, ignored \(ignoreErrorCodesMatching\)$/,
      ),
    );
  });

  it('does not make its Create call again after a restart on the same data folder', async () => {
    await client(runtime as LocalRuntime).send(new DeleteItemCommand({ TableName: 'seed-items', Key: { id: { S: 'seed' } } }));
    const again = await restart();
    expect(await seeded(again)).toBeUndefined();
    expect(logs.filter((line) => line.includes('Seed/SeedItem'))).toEqual([]);
    // The failed one is tried again, as a new deploy would try it.
    expect(logs.some((line) => /Seed\/Missing[0-9A-F]{8} \(Custom::AWS\) Create failed/.test(line))).toBe(true);
  }, 60_000);

  it('makes its Update call when its properties changed, and the Delete call of one the template no longer has', async () => {
    synthApp(outdir, 'two', false);
    const again = await restart();
    expect(await seeded(again)).toBe('two-updated');
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^\[customresources\] custom resource Seed\/SeedItem[0-9A-F]{8} \(Custom::AWS\) Update: DynamoDB\.putItem made$/,
      ),
    );
    expect(await itemOf(again, 'extra')).toBeUndefined();
    expect(logs).toContainEqual(expect.stringMatching(/Seed\/Extra[0-9A-F]{8} \(Custom::AWS\) Delete: DynamoDB\.deleteItem made$/));
    // Ignored had no Delete call: it is forgotten, with nothing to call.
    expect(logs.filter((line) => line.includes('Seed/Ignored'))).toEqual([]);
  }, 60_000);
});

describe('v3ServiceName', () => {
  it.each([
    ['DynamoDB', 'dynamodb'],
    ['@aws-sdk/client-dynamodb', 'dynamodb'],
    ['APIGateway', 'api-gateway'],
    ['CloudWatchLogs', 'cloudwatch-logs'],
    ['StepFunctions', 'sfn'],
    ['secrets-manager', 'secrets-manager'],
  ])('names the v3 package of %s as the provider does (%s)', (service, name) => {
    expect(v3ServiceName(service)).toBe(name);
  });
});
