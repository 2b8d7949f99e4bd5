import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
  UpdateContributorInsightsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Credentials } from '../endpoint/guard.js';
import type { TableDefinition } from './definitions.js';

/**
 * Creates the template's tables that the data folder does not have yet (an existing one
 * keeps its items and settings), each through the endpoint as any client would, then sets
 * what CreateTable does not take: point-in-time recovery and contributor insights, as
 * CloudFormation sets them after creating the table.
 */
export async function createMissingTables(
  url: string,
  region: string,
  tables: readonly TableDefinition[],
  credentials: Credentials,
  /** Hands the engine the id the template gave the table, for its CreateTable to take. */
  declareTableId: (name: string, tableId: string) => void,
): Promise<void> {
  if (tables.length === 0) return;
  const client = new DynamoDBClient({ endpoint: url, region, credentials });
  try {
    for (const table of tables) {
      try {
        await client.send(new DescribeTableCommand({ TableName: table.name }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        if (table.tableId !== undefined) declareTableId(table.name, table.tableId);
        await client.send(new CreateTableCommand(table.definition as never));
        await applySettings(client, table);
      }
    }
  } finally {
    client.destroy();
  }
}

async function applySettings(client: DynamoDBClient, { name, settings }: TableDefinition): Promise<void> {
  if (settings.pointInTimeRecovery) {
    await client.send(
      new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: settings.pointInTimeRecovery }),
    );
  }
  for (const insights of settings.contributorInsights) {
    await client.send(new UpdateContributorInsightsCommand({ TableName: name, ContributorInsightsAction: 'ENABLE', ...insights } as never));
  }
}
