import { paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { paginateListFunctions } from '@aws-sdk/client-lambda';
import { resourceName } from '../clients/resource-names.js';
import {
  REPLAY_CLAIM_STATES,
  REPLAY_LOG_FIELDS,
  REPLAY_LOG_MESSAGES,
  REPROCESS_OUTCOMES,
  type ReplayClaimState,
  type ReprocessOutcome,
} from '../contracts/replay-policy.js';
import { type CloudAssembly, constructPathOf, resourcesOfType } from '../inspect/assembly.js';
import { type Clients, pages } from '../inspect/aws.js';
import { physicalNameMatches } from '../inspect/dead-letters.js';

/** One line a consumer logged for a replayed event: not run (skip), only described (dry run), or reprocessed. */
export interface ReplayReport {
  readonly function: string;
  readonly timestamp: Date;
  readonly outcome: 'skipped' | 'dry-run' | 'reprocessed';
  readonly eventId?: string;
  readonly messageId?: string;
  readonly detailType?: string;
  readonly idempotencyKey?: string;
  readonly valid?: boolean;
  readonly problems?: unknown;
  readonly wouldRun?: unknown;
  /** Dry run: the event's idempotency claim (absent for a consumer that claims nothing). */
  readonly claim?: ReplayClaimState;
  /** Reprocess: what became of the event. */
  readonly result?: ReprocessOutcome;
}

/** How the replayed events the consumers reported ended, counted. */
export interface ReplaySummary {
  /** The replayed events that reached a consumer of the kit (one per event and consumer). */
  readonly reached: number;
  /** Dry run. */
  readonly wouldRun: number;
  readonly wouldSkipAsApplied: number;
  readonly inProgress: number;
  readonly invalid: number;
  /** Skip. */
  readonly skipped: number;
  /** Reprocess: each ReprocessOutcome. */
  readonly reprocessed: Readonly<Record<ReprocessOutcome, number>>;
}

/**
 * The last report of each replayed event at each consumer: a reprocessed event that failed
 * and came back is reported again, and its last report says how it ended.
 */
export function lastReports(reports: readonly ReplayReport[]): ReplayReport[] {
  const last = new Map<string, ReplayReport>();
  for (const report of reports) last.set(`${report.function}\u0000${report.eventId ?? report.messageId ?? last.size}`, report);
  return [...last.values()];
}

/** What the reports say, counted (each event at each consumer once: lastReports). */
export function summarize(reports: readonly ReplayReport[]): ReplaySummary {
  const last = lastReports(reports);
  const count = (test: (r: ReplayReport) => boolean) => last.filter(test).length;
  const dryRun = (r: ReplayReport) => r.outcome === 'dry-run';
  return {
    reached: last.length,
    wouldRun: count((r) => dryRun(r) && r.valid !== false && r.claim !== 'applied' && r.claim !== 'in-progress'),
    wouldSkipAsApplied: count((r) => dryRun(r) && r.valid !== false && r.claim === 'applied'),
    inProgress: count((r) => dryRun(r) && r.valid !== false && r.claim === 'in-progress'),
    invalid: count((r) => dryRun(r) && r.valid === false),
    skipped: count((r) => r.outcome === 'skipped'),
    reprocessed: Object.fromEntries(
      REPROCESS_OUTCOMES.map((outcome) => [outcome, count((r) => r.outcome === 'reprocessed' && r.result === outcome)]),
    ) as Record<ReprocessOutcome, number>,
  };
}

/** The log group of each function of the app in the target (LoggingConfig.LogGroup, else `/aws/lambda/<name>`). */
/** A function of the app deployed in the target, with its log group. */
export interface FunctionLogGroup {
  readonly function: string;
  readonly logGroup: string;
  /** Its deployed name, and where the assembly declares it: what names it (inspect/app-names.ts). */
  readonly functionName: string;
  readonly definition: {
    readonly stackName: string;
    readonly logicalId: string;
    readonly explicitName?: string;
    readonly constructPath?: string;
  };
}

export async function functionLogGroups(clients: Clients, assembly: CloudAssembly): Promise<FunctionLogGroup[]> {
  const definitions = resourcesOfType(assembly, 'AWS::Lambda::Function').map((f) => ({
    stackName: f.stackName,
    logicalId: f.logicalId,
    explicitName: typeof f.properties.FunctionName === 'string' ? f.properties.FunctionName : undefined,
    ...constructPathOf(f),
  }));
  const groups: FunctionLogGroup[] = [];
  for await (const page of pages(clients.target, paginateListFunctions({ client: clients.lambda, pageSize: 50 }, {}))) {
    for (const fn of page.Functions ?? []) {
      const definition = definitions.find((d) => physicalNameMatches(d, fn.FunctionName ?? ''));
      if (definition === undefined || !fn.FunctionName) continue;
      groups.push({
        function: resourceName(definition.logicalId),
        logGroup: fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${fn.FunctionName}`,
        functionName: fn.FunctionName,
        definition,
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

const OUTCOME_OF_MESSAGE = new Map<string, ReplayReport['outcome']>([
  [REPLAY_LOG_MESSAGES.skipped, 'skipped'],
  [REPLAY_LOG_MESSAGES.dryRun, 'dry-run'],
  [REPLAY_LOG_MESSAGES.reprocessed, 'reprocessed'],
]);

function parseReport(fn: string, message: string | undefined, timestamp: number | undefined): ReplayReport | undefined {
  if (message === undefined) return undefined;
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const outcome = OUTCOME_OF_MESSAGE.get(String(line.message));
  if (outcome === undefined) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const oneOf = <T extends string>(values: readonly T[], value: unknown) => values.find((v) => v === value);
  return {
    function: fn,
    timestamp: new Date(timestamp ?? 0),
    outcome,
    eventId: text(line.eventId),
    messageId: text(line.messageId),
    detailType: text(line.detailType),
    idempotencyKey: text(line.idempotencyKey),
    valid: typeof line[REPLAY_LOG_FIELDS.valid] === 'boolean' ? (line[REPLAY_LOG_FIELDS.valid] as boolean) : undefined,
    problems: line[REPLAY_LOG_FIELDS.problems],
    wouldRun: line[REPLAY_LOG_FIELDS.wouldRun],
    claim: oneOf(REPLAY_CLAIM_STATES, line[REPLAY_LOG_FIELDS.claim]),
    result: oneOf(REPROCESS_OUTCOMES, line[REPLAY_LOG_FIELDS.outcome]),
  };
}
