import { AwsError } from '../../endpoint/aws-error.js';
import { validation } from './errors.js';
import type { TableContext } from './table-operations.js';
import type { TableSettings, TableShape } from './table-schema.js';

type Json = Record<string, unknown>;

/**
 * A table's settings that AWS keeps and a local table has no use for beyond answering them as
 * AWS does: point-in-time recovery (continuous backups) and contributor insights. Time to live
 * is kept in the table the sweeper reads (local/dynamodb/time-to-live.ts).
 */

export function describeTimeToLive(context: TableContext, input: Json): Json {
  const table = context.catalog.described(String(input.TableName));
  const row = context.db.prepare('SELECT attribute, enabled FROM time_to_live WHERE table_name = ?').get(table.name) as
    | { attribute: string; enabled: number }
    | undefined;
  if (row?.enabled !== 1) return { TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } };
  return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: row.attribute } };
}

export function updateTimeToLive(context: TableContext, input: Json): Json {
  const table = context.catalog.described(String(input.TableName));
  const spec = input.TimeToLiveSpecification as { Enabled: boolean; AttributeName: string };
  const row = context.db.prepare('SELECT attribute, enabled FROM time_to_live WHERE table_name = ?').get(table.name) as
    | { attribute: string; enabled: number }
    | undefined;
  const enabled = row?.enabled === 1;
  if (spec.Enabled && enabled) throw validation('TimeToLive is already enabled');
  if (!spec.Enabled && !enabled) throw validation('TimeToLive is already disabled');
  if (!spec.Enabled && row && row.attribute !== spec.AttributeName) {
    throw validation(`Provided AttributeName ${spec.AttributeName} does not match the one set for the table: ${row.attribute}`);
  }
  context.db
    .prepare(
      `INSERT INTO time_to_live (table_name, attribute, enabled) VALUES (?, ?, ?)
       ON CONFLICT (table_name) DO UPDATE SET attribute = excluded.attribute, enabled = excluded.enabled`,
    )
    .run(table.name, spec.AttributeName, spec.Enabled ? 1 : 0);
  return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
}

/** The continuous backups' operations name a missing table with their own error (DynamoDB's backup API's). */
function backedUpTable(context: TableContext, input: Json): TableShape {
  const name = String(input.TableName);
  const table = context.catalog.find(name);
  if (!table) throw new AwsError('TableNotFoundException', `Table not found: ${name}`);
  return table;
}

/** How far back a point-in-time restore could go: AWS's figures (nothing is restorable locally). */
function continuousBackups(settings: TableSettings | undefined, nowSeconds: number): Json {
  const recovery = settings?.pointInTimeRecovery;
  if (!recovery) {
    return { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' } };
  }
  const earliest = Math.max(recovery.enabledSeconds, nowSeconds - recovery.days * 86_400);
  return {
    ContinuousBackupsStatus: 'ENABLED',
    PointInTimeRecoveryDescription: {
      PointInTimeRecoveryStatus: 'ENABLED',
      RecoveryPeriodInDays: recovery.days,
      EarliestRestorableDateTime: earliest,
      // AWS can restore to about five minutes before now.
      LatestRestorableDateTime: Math.max(earliest, nowSeconds - 300),
    },
  };
}

export function describeContinuousBackups(context: TableContext, input: Json): Json {
  const table = backedUpTable(context, input);
  return { ContinuousBackupsDescription: continuousBackups(table.settings, context.now() / 1000) };
}

export function updateContinuousBackups(context: TableContext, input: Json): Json {
  const table = backedUpTable(context, input);
  const spec = input.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled: boolean; RecoveryPeriodInDays?: number };
  const now = context.now() / 1000;
  const current = table.settings?.pointInTimeRecovery;
  const pointInTimeRecovery = spec.PointInTimeRecoveryEnabled
    ? { enabledSeconds: current?.enabledSeconds ?? now, days: spec.RecoveryPeriodInDays ?? current?.days ?? 35 }
    : undefined;
  if (!spec.PointInTimeRecoveryEnabled && spec.RecoveryPeriodInDays !== undefined) {
    throw validation('RecoveryPeriodInDays cannot be specified when PointInTimeRecoveryEnabled is false');
  }
  const settings: TableSettings = { ...table.settings, pointInTimeRecovery };
  context.catalog.replace({ ...table, settings });
  return { ContinuousBackupsDescription: continuousBackups(settings, now) };
}

/** The table (and index) a contributor insights request names: DynamoDB's not-found errors otherwise. */
function insightsTarget(context: TableContext, input: Json): { table: TableShape; index: string | undefined } {
  const table = context.catalog.described(String(input.TableName));
  const index = input.IndexName === undefined ? undefined : String(input.IndexName);
  if (index !== undefined && !table.indexes.some((i) => i.name === index && i.kind === 'global')) {
    throw new AwsError('ResourceNotFoundException', `Requested resource not found: Index: ${index} not found for table ${table.name}`);
  }
  return { table, index };
}

/** The CloudWatch Contributor Insights rules AWS creates for a table or index: partition keys, and sort keys if it has them. */
function insightRules(table: TableShape, index: string | undefined, sinceMs: number): string[] {
  const shape = index === undefined ? table : table.indexes.find((i) => i.name === index);
  const target = index === undefined ? table.name : `${table.name}-${index}`;
  const kinds = shape?.range ? ['PKC', 'PKT', 'SKC', 'SKT'] : ['PKC', 'PKT'];
  return kinds.map((kind) => `DynamoDBContributorInsights-${kind}-${target}-${sinceMs}`);
}

export function describeContributorInsights(context: TableContext, input: Json): Json {
  const { table, index } = insightsTarget(context, input);
  const insight = table.settings?.contributorInsights?.[index ?? ''];
  const named = { TableName: table.name, ...(index === undefined ? {} : { IndexName: index }) };
  if (!insight) return { ...named, ContributorInsightsStatus: 'DISABLED' };
  return {
    ...named,
    ContributorInsightsRuleList: insightRules(table, index, Math.round(insight.updatedSeconds * 1000)),
    ContributorInsightsStatus: 'ENABLED',
    LastUpdateDateTime: insight.updatedSeconds,
    ...(insight.mode ? { ContributorInsightsMode: insight.mode } : {}),
  };
}

export function updateContributorInsights(context: TableContext, input: Json): Json {
  const { table, index } = insightsTarget(context, input);
  const enable = input.ContributorInsightsAction === 'ENABLE';
  const mode = input.ContributorInsightsMode === undefined ? undefined : String(input.ContributorInsightsMode);
  const insights = { ...table.settings?.contributorInsights };
  if (enable) insights[index ?? ''] = { updatedSeconds: context.now() / 1000, ...(mode ? { mode } : {}) };
  else delete insights[index ?? ''];
  context.catalog.replace({ ...table, settings: { ...table.settings, contributorInsights: insights } });
  // AWS answers with the change under way; it is done at once here, as DescribeContributorInsights then says.
  return {
    TableName: table.name,
    ...(index === undefined ? {} : { IndexName: index }),
    ContributorInsightsStatus: enable ? 'ENABLING' : 'DISABLING',
    ...(mode ? { ContributorInsightsMode: mode } : {}),
  };
}

export function listContributorInsights(context: TableContext, input: Json): Json {
  const tables = input.TableName === undefined ? context.catalog.names() : [context.catalog.described(String(input.TableName)).name];
  const summaries = tables.flatMap((name) => {
    const table = context.catalog.get(name);
    return Object.entries(table.settings?.contributorInsights ?? {}).map(([index, insight]) => ({
      TableName: name,
      ...(index === '' ? {} : { IndexName: index }),
      ContributorInsightsStatus: 'ENABLED',
      ...(insight.mode ? { ContributorInsightsMode: insight.mode } : {}),
    }));
  });
  const limit = input.MaxResults === undefined ? 100 : Number(input.MaxResults);
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0) throw validation('Invalid NextToken');
  const page = summaries.slice(start, start + limit);
  return { ContributorInsightsSummaries: page, ...(start + limit < summaries.length ? { NextToken: String(start + limit) } : {}) };
}
