import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListContributorInsightsCommand,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';

const dynamodb = useDynamoDb(undefined, {
  tables: [tableInput('settings', { key: { pk: 'S', sk: 'S' }, globalIndexes: { byOwner: { key: { owner: 'S' } } } })],
});

const failure = (send: Promise<unknown>) =>
  send.then(
    () => {
      throw new Error('the request succeeded');
    },
    (error: Error) => ({ name: error.name, message: error.message }),
  );

describe('DynamoDB table descriptions and settings (local engine)', () => {
  it('answers CreateTable with the table CREATING, as AWS does, and DescribeTable with it ACTIVE', async () => {
    const created = await dynamodb.client.send(
      new CreateTableCommand({
        TableName: 'warm',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 },
      }),
    );
    expect(created.TableDescription?.TableStatus).toBe('CREATING');
    expect(created.TableDescription?.WarmThroughput).toBeUndefined();
    const { Table } = await dynamodb.client.send(new DescribeTableCommand({ TableName: 'warm' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.WarmThroughput).toEqual({ ReadUnitsPerSecond: 5, WriteUnitsPerSecond: 7, Status: 'ACTIVE' });
  });

  it('describes an on-demand table and its global index warmed to 12,000 reads and 4,000 writes, or to what UpdateTable asked (answered UPDATING, as AWS does)', async () => {
    const before = await dynamodb.client.send(new DescribeTableCommand({ TableName: 'settings' }));
    expect(before.Table?.WarmThroughput).toEqual({ ReadUnitsPerSecond: 12_000, WriteUnitsPerSecond: 4_000, Status: 'ACTIVE' });
    expect(before.Table?.GlobalSecondaryIndexes?.[0]?.WarmThroughput).toEqual({
      ReadUnitsPerSecond: 12_000,
      WriteUnitsPerSecond: 4_000,
      Status: 'ACTIVE',
    });
    const updated = await dynamodb.client.send(
      new UpdateTableCommand({ TableName: 'warm', WarmThroughput: { ReadUnitsPerSecond: 15_000 } }),
    );
    expect(updated.TableDescription?.TableStatus).toBe('UPDATING');
    const after = await dynamodb.client.send(new DescribeTableCommand({ TableName: 'warm' }));
    expect(after.Table?.TableStatus).toBe('ACTIVE');
    expect(after.Table?.WarmThroughput).toEqual({ ReadUnitsPerSecond: 15_000, WriteUnitsPerSecond: 7, Status: 'ACTIVE' });
  });

  it('fails if a table operation names a missing table, naming it as DynamoDB does', async () => {
    const named = { name: 'ResourceNotFoundException', message: 'Requested resource not found: Table: missing not found' };
    expect(await failure(dynamodb.client.send(new DescribeTableCommand({ TableName: 'missing' })))).toEqual(named);
    expect(await failure(dynamodb.client.send(new DeleteTableCommand({ TableName: 'missing' })))).toEqual(named);
    expect(await failure(dynamodb.client.send(new DescribeTimeToLiveCommand({ TableName: 'missing' })))).toEqual(named);
    expect(await failure(dynamodb.client.send(new DescribeContinuousBackupsCommand({ TableName: 'missing' })))).toEqual({
      name: 'TableNotFoundException',
      message: 'Table not found: missing',
    });
  });

  it('keeps point-in-time recovery as UpdateContinuousBackups sets it, with its recovery period', async () => {
    const off = await dynamodb.client.send(new DescribeContinuousBackupsCommand({ TableName: 'settings' }));
    expect(off.ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toEqual({ PointInTimeRecoveryStatus: 'DISABLED' });
    const on = await dynamodb.client.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'settings',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
      }),
    );
    expect(on.ContinuousBackupsDescription?.PointInTimeRecoveryDescription).toMatchObject({
      PointInTimeRecoveryStatus: 'ENABLED',
      RecoveryPeriodInDays: 7,
    });
    const described = await dynamodb.client.send(new DescribeContinuousBackupsCommand({ TableName: 'settings' }));
    expect(described.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.EarliestRestorableDateTime).toBeInstanceOf(Date);
    await dynamodb.client.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'settings',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      }),
    );
    const again = await dynamodb.client.send(new DescribeContinuousBackupsCommand({ TableName: 'settings' }));
    expect(again.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('DISABLED');
  });

  it('enables and disables contributor insights for a table and for its index, and lists what is enabled', async () => {
    const disabled = await dynamodb.client.send(new DescribeContributorInsightsCommand({ TableName: 'settings' }));
    expect(disabled).toMatchObject({ TableName: 'settings', ContributorInsightsStatus: 'DISABLED' });
    const enabling = await dynamodb.client.send(
      new UpdateContributorInsightsCommand({ TableName: 'settings', IndexName: 'byOwner', ContributorInsightsAction: 'ENABLE' }),
    );
    expect(enabling).toMatchObject({ TableName: 'settings', IndexName: 'byOwner', ContributorInsightsStatus: 'ENABLING' });
    const enabled = await dynamodb.client.send(new DescribeContributorInsightsCommand({ TableName: 'settings', IndexName: 'byOwner' }));
    expect(enabled.ContributorInsightsStatus).toBe('ENABLED');
    expect(enabled.ContributorInsightsRuleList?.map((rule) => rule.split('-')[1])).toEqual(['PKC', 'PKT']);
    const listed = await dynamodb.client.send(new ListContributorInsightsCommand({}));
    expect(listed.ContributorInsightsSummaries).toEqual([
      { TableName: 'settings', IndexName: 'byOwner', ContributorInsightsStatus: 'ENABLED' },
    ]);
    await dynamodb.client.send(
      new UpdateContributorInsightsCommand({ TableName: 'settings', IndexName: 'byOwner', ContributorInsightsAction: 'DISABLE' }),
    );
    expect((await dynamodb.client.send(new ListContributorInsightsCommand({}))).ContributorInsightsSummaries).toEqual([]);
  });

  it('fails if contributor insights name an index the table does not have', async () => {
    expect(
      await failure(
        dynamodb.client.send(
          new UpdateContributorInsightsCommand({ TableName: 'settings', IndexName: 'nope', ContributorInsightsAction: 'ENABLE' }),
        ),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'Requested resource not found: Index: nope not found for table settings' });
  });
});
