import type { TableDefinition } from './definitions.js';
import type { DynamoDbForTasks } from './step-functions.js';

/**
 * Creates the template's tables that the data folder does not have yet (an existing one
 * keeps its items and settings), each through DynamoDB's API on the engine's thread (the
 * runtime's one client of it, LocalDynamoDb.engine: the stream records of the engine's
 * writes reach the streams as any client's do), then sets what CreateTable does not take:
 * point-in-time recovery and contributor insights, as CloudFormation sets them after creating
 * the table.
 */
export async function createMissingTables(
  engine: DynamoDbForTasks,
  tables: readonly TableDefinition[],
  /** Hands the engine the id the template gave the table, for its CreateTable to take. */
  declareTableId: (name: string, tableId: string) => void,
): Promise<void> {
  for (const table of tables) {
    try {
      await engine.send('DescribeTable', { TableName: table.name });
    } catch (error) {
      if ((error as { name?: unknown } | undefined)?.name !== 'ResourceNotFoundException') throw error;
      if (table.tableId !== undefined) declareTableId(table.name, table.tableId);
      await engine.send('CreateTable', table.definition as Record<string, unknown>);
      await applySettings(engine, table);
    }
  }
}

async function applySettings(engine: DynamoDbForTasks, { name, settings }: TableDefinition): Promise<void> {
  if (settings.pointInTimeRecovery) {
    await engine.send('UpdateContinuousBackups', { TableName: name, PointInTimeRecoverySpecification: settings.pointInTimeRecovery });
  }
  for (const insights of settings.contributorInsights) {
    await engine.send('UpdateContributorInsights', { TableName: name, ContributorInsightsAction: 'ENABLE', ...insights });
  }
}
