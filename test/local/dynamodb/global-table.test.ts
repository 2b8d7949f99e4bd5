import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, disposableData, dynamoDbClient, receiveBodies, region } from '../helpers.js';

/** The apps of test/fixtures/small-apps/synth.ts (`globalTable`), synthesized and checked in: v2 adds a second global table. */
const ASSEMBLY = fileURLToPath(new URL('../../fixtures/small-apps/global-table', import.meta.url));
const ASSEMBLY_V2 = fileURLToPath(new URL('../../fixtures/small-apps/global-table-v2', import.meta.url));

const ORDERS_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/global-orders';

/** A global table of one replica's region and these replicas, in a hand-written template. */
function globalTable(name: string, replicas: readonly object[]) {
  return {
    Type: 'AWS::DynamoDB::GlobalTable',
    Properties: {
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      Replicas: replicas,
    },
  };
}

/**
 * Two stacks: one (of no particular region, so the runtime's) whose global table leaves out
 * the stack's region, as a hand-written template can; one synthesized for eu-west-1, whose
 * table's replicas name that region, as CDK writes a stack with `env: { region }`.
 */
function handWritten(): string {
  return writeAssembly(tempAssemblyDir(), {
    Elsewhere: {
      template: { Resources: { Table: globalTable('elsewhere-table', [{ Region: 'eu-west-1' }, { Region: 'ap-southeast-2' }]) } },
    },
    Pinned: {
      environment: 'aws://unknown-account/eu-west-1',
      template: {
        Resources: {
          Table: globalTable('pinned-table', [{ Region: 'eu-west-1', DeletionProtectionEnabled: true }, { Region: 'us-west-2' }]),
        },
      },
    },
  });
}

/**
 * CDK's TableV2 (`AWS::DynamoDB::GlobalTable`) on the local runtime under `iam: 'enforce'`:
 * its replica in the runtime's region is a table made as the template says, its functions'
 * grants decide, its stream feeds an event source mapping and a pipe, and a reload adds one.
 */
describe('AWS::DynamoDB::GlobalTable', () => {
  let runtime: LocalRuntime;
  let ddb: DynamoDBClient;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let outputs: Record<string, string>;

  beforeAll(async () => {
    runtime = await LocalRuntime.start({
      cdkOut: ASSEMBLY,
      ...disposableData(),
      port: 0,
      iam: 'enforce',
      logEvents: false,
      log: () => {},
    });
    const options = { endpoint: runtime.url, region, credentials };
    ddb = new DynamoDBClient(options);
    lambda = new LambdaClient(options);
    sqs = new SQSClient(options);
    const cloudFormation = new CloudFormationClient(options);
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'GlobalOrders' }));
    cloudFormation.destroy();
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }, 60_000);

  afterAll(async () => {
    for (const client of [ddb, lambda, sqs]) client?.destroy();
    await runtime?.stop();
  });

  async function invoke(functionName: string, pk: string): Promise<{ ok: boolean; placed?: number; name?: string; message?: string }> {
    const { Payload } = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify({ pk }) }));
    return JSON.parse(new TextDecoder().decode(Payload));
  }

  it("creates the replica of the runtime's region with the template's keys, indexes, capacity, stream, key, class and protection", async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'global-orders' }));
    expect(Table).toMatchObject({
      TableArn: ORDERS_ARN,
      TableId: outputs.OrdersTableId,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      // Reads fixed at 4; writes auto-scaled from their minimum, 2.
      ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 2 },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      LatestStreamArn: outputs.OrdersStreamArn,
      SSEDescription: {
        Status: 'ENABLED',
        SSEType: 'KMS',
        KMSMasterKeyArn: expect.stringMatching(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/),
      },
      DeletionProtectionEnabled: true,
      TableClassSummary: { TableClass: 'STANDARD_INFREQUENT_ACCESS' },
    });
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'byStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
        // The replica's read capacity for the index, and the index's writes from their seed capacity.
        ProvisionedThroughput: expect.objectContaining({ ReadCapacityUnits: 3, WriteCapacityUnits: 6 }),
      }),
    ]);
    expect(Table?.LocalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'byCreated',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
      }),
    ]);
  });

  it("encrypts with the replica's own key, the template's customer managed key, not the other region's", async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'global-orders' }));
    const kms = new KMSClient({ endpoint: runtime.url, region, credentials });
    try {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: Table?.SSEDescription?.KMSMasterKeyArn }));
      expect(KeyMetadata).toMatchObject({ Arn: Table?.SSEDescription?.KMSMasterKeyArn, KeyManager: 'CUSTOMER' });
    } finally {
      kms.destroy();
    }
  });

  it("sets the template's time to live, point-in-time recovery, contributor insights and tags", async () => {
    const { TimeToLiveDescription } = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'global-orders' }));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    const { ContinuousBackupsDescription } = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'global-orders' }));
    expect(ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toMatchObject({
      PointInTimeRecoveryStatus: 'ENABLED',
      RecoveryPeriodInDays: 7,
    });
    const table = await ddb.send(new DescribeContributorInsightsCommand({ TableName: 'global-orders' }));
    expect(table.ContributorInsightsStatus).toBe('ENABLED');
    const index = await ddb.send(new DescribeContributorInsightsCommand({ TableName: 'global-orders', IndexName: 'byStatus' }));
    expect(index.ContributorInsightsStatus).toBe('ENABLED');
    const { Tags } = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: ORDERS_ARN }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'orders' }]);
  });

  it('names the replica in another region at start-up, once, and nothing else of the table as not run', () => {
    const lines = runtime.warnings.filter((w) => w.includes('GlobalOrders/Orders'));
    expect(lines).toEqual([
      'GlobalOrders/OrdersA9B65338 (AWS::DynamoDB::GlobalTable): its replicas in eu-west-1 are not run: the local runtime has one region, us-east-1, whose replica alone is created; nothing is replicated',
    ]);
    expect(runtime.warnings).toContain(
      'global-orders (AWS::DynamoDB::GlobalTable): its provisioned capacity is not enforced: reads and writes are never throttled',
    );
  });

  it('runs a function granted grantReadWriteData on the table and its index under enforce', async () => {
    expect(await invoke('global-writer', 'order-1')).toEqual({ ok: true, placed: 1 });
  });

  it('fails a function without the grant with AccessDeniedException on the table', async () => {
    const refused = await invoke('global-stranger', 'order-2');
    expect(refused).toMatchObject({ ok: false, name: 'AccessDeniedException' });
    expect(refused.message).toMatch(
      /is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/global-orders because no identity-based policy allows/,
    );
  });

  it("delivers the table's stream records to its event source mapping and its pipe, from the template's StreamArn", async () => {
    await invoke('global-writer', 'order-3');
    const seenUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'global-seen' }))).QueueUrl as string;
    const seen = (await receiveBodies(sqs, seenUrl, 2, 30_000)).map((body) => JSON.parse(body));
    expect(seen).toEqual(
      expect.arrayContaining([
        { eventName: 'INSERT', pk: 'order-1', source: outputs.OrdersStreamArn },
        { eventName: 'INSERT', pk: 'order-3', source: outputs.OrdersStreamArn },
      ]),
    );
    const pipedUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'global-piped' }))).QueueUrl as string;
    const piped = (await receiveBodies(sqs, pipedUrl, 2, 30_000)).map((body) => JSON.parse(body));
    expect(piped.map((record) => [record.eventName, record.dynamodb.Keys.pk.S, record.eventSourceARN])).toEqual(
      expect.arrayContaining([
        ['INSERT', 'order-1', outputs.OrdersStreamArn],
        ['INSERT', 'order-3', outputs.OrdersStreamArn],
      ]),
    );
  });

  it('fails DeleteTable on the table, whose replica has deletion protection', async () => {
    await expect(ddb.send(new DeleteTableCommand({ TableName: 'global-orders' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('adds a new global table on a reload, leaving the first with its items', async () => {
    const summary = await runtime.reload(ASSEMBLY_V2);
    expect(summary.reloaded).toContain('table global-archive (new)');
    expect(summary.needsRestart).toEqual([]);
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'global-archive' }));
    expect(Table).toMatchObject({ TableStatus: 'ACTIVE', BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' } });
    const { Table: orders } = await ddb.send(new DescribeTableCommand({ TableName: 'global-orders' }));
    expect(orders?.ItemCount).toBe(2);
  });

  describe('on hand-written templates', () => {
    let other: LocalRuntime;
    let client: DynamoDBClient;
    beforeAll(async () => {
      other = await LocalRuntime.start({ cdkOut: handWritten(), ...disposableData(), port: 0, logEvents: false, log: () => {} });
      client = dynamoDbClient(other.url);
    });
    afterAll(async () => {
      client?.destroy();
      await other?.stop();
    });

    it("creates no table without a replica in the stack's region, and the start-up report says CloudFormation would not create it", async () => {
      expect(other.warnings.filter((w) => w.includes('Elsewhere/Table'))).toEqual([
        "Elsewhere/Table (AWS::DynamoDB::GlobalTable): Replicas has no replica in us-east-1, the stack's region (it names eu-west-1, ap-southeast-2): CloudFormation fails to create such a table, and it is not created here",
      ]);
      expect((await client.send(new ListTablesCommand({}))).TableNames).not.toContain('elsewhere-table');
    });

    it("creates the replica of the region a stack was synthesized for, in the runtime's region, as it loads the rest of the stack", async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'pinned-table' }));
      expect(Table).toMatchObject({
        TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/pinned-table',
        DeletionProtectionEnabled: true,
      });
      expect(other.warnings.filter((w) => w.includes('Pinned/Table'))).toEqual([
        'Pinned/Table (AWS::DynamoDB::GlobalTable): its replicas in us-west-2 are not run: the local runtime has one region, us-east-1, where the replica of eu-west-1 is created; nothing is replicated',
      ]);
    });
  });
});
