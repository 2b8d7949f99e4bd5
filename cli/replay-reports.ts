import { paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { paginateListFunctions } from '@aws-sdk/client-lambda';
import { resourceName } from '../clients/resource-names.js';
import { REPLAY_LOG_FIELDS, REPLAY_LOG_MESSAGES } from '../contracts/replay-policy.js';
import { type CloudAssembly, resourcesOfType } from './assembly.js';
import { type Clients, pages } from './aws.js';
import { physicalNameMatches } from './dead-letters.js';

/** One line a consumer logged for a replayed event it did not run (skip) or only described (dry run). */
export interface ReplayReport {
  readonly function: string;
  readonly timestamp: Date;
  readonly outcome: 'skipped' | 'dry-run';
  readonly eventId?: string;
  readonly detailType?: string;
  readonly idempotencyKey?: string;
  readonly valid?: boolean;
  readonly problems?: unknown;
  readonly wouldRun?: unknown;
}

/** The log group of each function of the app in the target (LoggingConfig.LogGroup, else `/aws/lambda/<name>`). */
export async function functionLogGroups(clients: Clients, assembly: CloudAssembly): Promise<{ function: string; logGroup: string }[]> {
  const definitions = resourcesOfType(assembly, 'AWS::Lambda::Function').map((f) => ({
    stackName: f.stackName,
    logicalId: f.logicalId,
    explicitName: typeof f.properties.FunctionName === 'string' ? f.properties.FunctionName : undefined,
  }));
  const groups: { function: string; logGroup: string }[] = [];
  for await (const page of pages(clients.target, paginateListFunctions({ client: clients.lambda, pageSize: 50 }, {}))) {
    for (const fn of page.Functions ?? []) {
      const definition = definitions.find((d) => physicalNameMatches(d, fn.FunctionName ?? ''));
      if (definition === undefined || !fn.FunctionName) continue;
      groups.push({
        function: resourceName(definition.logicalId),
        logGroup: fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${fn.FunctionName}`,
      });
    }
  }
  return groups;
}

/**
 * What consumers logged for a replay's events (REPLAY_LOG_MESSAGES, with the replay name as
 * a field), read with FilterLogEvents from each function's log group. The events are
 * delivered through queues after DescribeReplay says COMPLETED, so the lines are read
 * until their number has not grown for `quietMs` (or `maxWaitMs` has passed).
 */
export async function replayReports(
  clients: Clients,
  groups: readonly { function: string; logGroup: string }[],
  replayName: string,
  options: { startTime: number; quietMs: number; maxWaitMs: number },
): Promise<ReplayReport[]> {
  const deadline = Date.now() + options.maxWaitMs;
  let reports: ReplayReport[] = [];
  let stableSince = Date.now();
  for (;;) {
    const next = await readReports(clients, groups, replayName, options.startTime);
    if (next.length !== reports.length) stableSince = Date.now();
    reports = next;
    if (Date.now() - stableSince >= options.quietMs || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return reports.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
}

async function readReports(
  clients: Clients,
  groups: readonly { function: string; logGroup: string }[],
  replayName: string,
  startTime: number,
): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  const filterPattern = `{ $.${REPLAY_LOG_FIELDS.replayName} = ${JSON.stringify(replayName)} }`;
  for (const group of groups) {
    const paginator = paginateFilterLogEvents({ client: clients.logs }, { logGroupName: group.logGroup, filterPattern, startTime });
    try {
      for await (const page of paginator) {
        for (const event of page.events ?? []) {
          const report = parseReport(group.function, event.message, event.timestamp);
          if (report) reports.push(report);
        }
      }
    } catch (error) {
      // A function that never ran has no log group yet.
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
  }
  return reports;
}

function parseReport(fn: string, message: string | undefined, timestamp: number | undefined): ReplayReport | undefined {
  if (message === undefined) return undefined;
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const outcome =
    line.message === REPLAY_LOG_MESSAGES.skipped ? 'skipped' : line.message === REPLAY_LOG_MESSAGES.dryRun ? 'dry-run' : undefined;
  if (outcome === undefined) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    function: fn,
    timestamp: new Date(timestamp ?? 0),
    outcome,
    eventId: text(line.eventId),
    detailType: text(line.detailType),
    idempotencyKey: text(line.idempotencyKey),
    valid: typeof line[REPLAY_LOG_FIELDS.valid] === 'boolean' ? (line[REPLAY_LOG_FIELDS.valid] as boolean) : undefined,
    problems: line[REPLAY_LOG_FIELDS.problems],
    wouldRun: line[REPLAY_LOG_FIELDS.wouldRun],
  };
}
