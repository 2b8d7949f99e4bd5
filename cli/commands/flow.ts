import { paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, paginateListTables, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { appConsumers } from '../../clients/assembly/consumers.js';
import { type FlowControlFunction, flowControlFunctions } from '../../clients/assembly/flow-control.js';
import {
  type DeclaredFlow,
  type FairQueueState,
  type FlowControlItem,
  type FlowControlReport,
  flowControlReport,
  flowKeyCells,
  HELD_BACK_FILTER,
  heldBackByKey,
} from '../../clients/flow-control.js';
import { count, table, time } from '../../clients/format.js';
import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { type CloudAssembly, defaultCdkOut, readAssembly } from '../../inspect/assembly.js';
import { type Clients, clientConfig, pages } from '../../inspect/aws.js';
import { physicalNameMatches } from '../../inspect/dead-letters.js';
import { CliError } from '../../inspect/errors.js';
import { type ConsumerState, consumerStates } from '../../inspect/pauses.js';
import { getReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { functionLogGroups } from '../replay-reports.js';
import { timeOption } from '../times.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard flow [--since <1h|ISO time>] [--json]

Keyed flow control now, per flow and key: records in flight against the concurrency limit,
starts in the rate window against the limit, records held back (from the consumers' logs
since --since), debounce (records that ran, superseded, one pending), keys paused after a
throttling answer and until when, keys whose circuit is open (until when), half-open or
counting failures; token budgets' use this minute and today against their
limits. Locally, also the fair-queue metrics of the app's standard queues and their noisy
tenants (AWS keeps those in CloudWatch: ApproximateNumberOfNoisyGroups and the ...InQuietGroups
metrics of AWS/SQS).

The flow control tables are the ones the app's functions name in FLOW_CONTROL_TABLE_NAME, found
among the target's tables by name, and read whole with Scan: they hold one item per key and
control (each expiring), so they stay small. The limits are each consumer's FLOW_CONTROL
settings from the cloud assembly; a token window's limit is on its item.

Then what is paused (switchyard pause): each SQS event source mapping, schedule and scheduled
rule of the app that its template enables and that takes nothing now, paused since when (the
mapping's LastModified, the schedule's LastModificationDate; a rule keeps no such time), found
with ListEventSourceMappings, ListSchedules and ListRules. An app without flow control shows
only that, when something is paused.

  --since <when>      count held-back records logged since: 30m, 2h (ago) or an ISO-8601 time (default 1h)

${GLOBAL_HELP}

Exit status: 0 shown, 1 the app has no flow control and nothing paused, or the target failed, 2 bad input.`;

const NO_FLOW_CONTROL =
  'the app uses no flow control: none of its functions names a flow control table (a QueueConsumer with flowControl, an AgentGraph with token budgets)';

export const flow: Command = async (argv, io) => {
  const { values } = parseCommand(argv, { since: { type: 'string' } }, false);
  if (values.help) return io.out(HELP);
  const since = timeOption('since', values.since ?? '1h');
  const assembly = readAssembly(defaultCdkOut(values['cdk-out']));
  const functions = flowControlFunctions(assembly);
  const clients = io.clients(values);
  const paused = await pausedConsumers(clients, assembly);
  if (functions.length === 0) {
    if (paused.length === 0) throw new CliError(NO_FLOW_CONTROL);
    if (values.json) return io.out(JSON.stringify({ paused: paused.map(pausedJson) }, null, 2));
    for (const line of [...renderPaused(paused), '', `(${NO_FLOW_CONTROL})`]) io.out(line);
    return;
  }
  const dynamodb = new DynamoDBClient(clientConfig(clients.target, 'dynamodb'));
  try {
    const tables = await findTables(clients, dynamodb, functions);
    const items = (await Promise.all([...new Set(tables.values())].map((name) => scanTable(clients, dynamodb, name)))).flat();
    const declared: DeclaredFlow[] = functions.flatMap((fn) =>
      fn.settings ? [{ function: fn.name, table: tables.get(fn.table) ?? fn.table, settings: fn.settings }] : [],
    );
    const report = flowControlReport({
      items,
      declared,
      now: Date.now(),
      heldBack: { since: since.getTime(), byFlow: await heldBack(clients, assembly, functions, since.getTime()) },
      ...(clients.target.kind === 'local' ? { fairQueues: await localFairQueues(clients.target) } : {}),
    });
    if (values.json) return io.out(JSON.stringify({ ...report, paused: paused.map(pausedJson) }, null, 2));
    for (const line of renderReport(report)) io.out(line);
    if (paused.length > 0) for (const line of ['', ...renderPaused(paused)]) io.out(line);
  } finally {
    dynamodb.destroy();
  }
};

/** The app's consumers that take no messages now though its template enables them: paused (switchyard pause). */
async function pausedConsumers(clients: Clients, assembly: CloudAssembly): Promise<ConsumerState[]> {
  const { found } = await consumerStates(clients, appConsumers(assembly));
  return found.filter((state) => state.stopped && state.consumer.enabledInTemplate);
}

function renderPaused(paused: readonly ConsumerState[]): string[] {
  return [
    'Paused (switchyard resume <flow|function|queue> takes them up again; their events wait in their queues):',
    ...paused.map((p) => `  ${p.consumer.label} (${p.consumer.kind}): paused${p.since ? ` since ${time(p.since)}` : ''} (${p.state})`),
  ];
}

function pausedJson({ consumer, id, state, since }: ConsumerState) {
  return { consumer: consumer.label, kind: consumer.kind, id, state, ...(since ? { since: since.toISOString() } : {}) };
}

/** Each flow control table's deployed name, by logical id: `<Stack>-<LogicalId>` locally, CloudFormation's with a suffix on AWS. */
async function findTables(
  clients: Clients,
  dynamodb: DynamoDBClient,
  functions: readonly FlowControlFunction[],
): Promise<Map<string, string>> {
  const names: string[] = [];
  for await (const page of pages(clients.target, paginateListTables({ client: dynamodb }, {}))) names.push(...(page.TableNames ?? []));
  const found = new Map<string, string>();
  for (const fn of functions) {
    const name = names.find((n) => physicalNameMatches({ stackName: fn.stackName, logicalId: fn.table }, n));
    if (name === undefined)
      throw new CliError(`the flow control table ${fn.table} of stack ${fn.stackName} is not in the target: is the app deployed?`);
    found.set(fn.table, name);
  }
  return found;
}

async function scanTable(clients: Clients, dynamodb: DynamoDBClient, name: string): Promise<FlowControlItem[]> {
  const items: FlowControlItem[] = [];
  for await (const page of pages(clients.target, paginateScan({ client: dynamodb }, { TableName: name }))) {
    for (const item of page.Items ?? []) items.push(unmarshall(item) as FlowControlItem);
  }
  return items;
}

/** Held-back records per flow and key: the consumers' held-back log lines since `since` (FilterLogEvents). */
async function heldBack(
  clients: Clients,
  assembly: Parameters<typeof functionLogGroups>[1],
  functions: readonly FlowControlFunction[],
  since: number,
): Promise<Map<string, Map<string, number>>> {
  const byFlow = new Map<string, Map<string, number>>();
  const consumers = functions.filter((fn) => fn.settings !== undefined);
  if (consumers.length === 0) return byFlow;
  const groups = await functionLogGroups(clients, assembly);
  for (const fn of consumers) {
    const flow = fn.settings?.flow as string;
    const merged = byFlow.get(flow) ?? new Map<string, number>();
    byFlow.set(flow, merged);
    for (const group of groups.filter((g) => g.function === fn.name)) {
      for (const [key, n] of heldBackByKey(await logLines(clients, group.logGroup, since))) merged.set(key, (merged.get(key) ?? 0) + n);
    }
  }
  return byFlow;
}

async function logLines(clients: Clients, logGroupName: string, startTime: number): Promise<string[]> {
  const lines: string[] = [];
  try {
    for await (const page of paginateFilterLogEvents(
      { client: clients.logs },
      { logGroupName, filterPattern: HELD_BACK_FILTER, startTime },
    )) {
      for (const event of page.events ?? []) if (event.message !== undefined) lines.push(event.message);
    }
  } catch (error) {
    // A function that never ran has no log group yet: nothing held back.
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  return lines;
}

/** The local runtime's fair-queue metrics (its read API: the runtime has no CloudWatch). */
async function localFairQueues(target: Extract<Clients['target'], { kind: 'local' }>): Promise<readonly FairQueueState[]> {
  const report = await getReadApi<FlowControlReport>(target, READ_API_PATHS.flowControl);
  return report.fairQueues ?? [];
}

export function renderReport(report: FlowControlReport): string[] {
  const lines = [`Flow control at ${time(new Date(report.at))}`, ''];
  for (const d of report.declared) lines.push(`${d.settings.flow} (${d.function}): ${describeControls(d)}`);
  lines.push('');
  if (report.keys.length === 0) lines.push('No key has flow control state now.');
  else {
    const rows = report.keys.map((k) => {
      const cells = flowKeyCells(k);
      return [k.flow, k.key, cells.inFlight, cells.rate, cells.heldBack, cells.debounce, cells.paused, cells.circuit];
    });
    lines.push(...table(['FLOW', 'KEY', 'IN FLIGHT', 'STARTS', 'HELD BACK', 'DEBOUNCE', 'PAUSED', 'CIRCUIT'], rows).split('\n'));
  }
  if (report.heldBackSince)
    lines.push(`(held back: records the consumers logged as held back since ${time(new Date(report.heldBackSince))})`);
  if (report.tokens.length > 0) {
    const ofLimit = (w: { used: number; limit?: number } | undefined) =>
      w === undefined ? '-' : `${count(w.used)}${w.limit === undefined ? '' : `/${count(w.limit)}`}`;
    lines.push('', 'Token budgets (tokens used against the limit):');
    lines.push(
      ...table(
        ['SCOPE', 'KEY', 'THIS MINUTE', 'TODAY'],
        report.tokens.map((t) => [t.scope, t.key, ofLimit(t.minute), ofLimit(t.day)]),
      ).split('\n'),
    );
  }
  const busy = (report.fairQueues ?? []).filter((q) => q.noisyGroups.length > 0 || Object.values(q.metrics).some((v) => v > 0));
  if (report.fairQueues !== undefined) {
    lines.push('', fairQueuesHeading(report.fairQueues, busy));
    if (busy.length > 0) {
      const m = (q: FairQueueState, name: string) => String(q.metrics[name] ?? 0);
      const rows = busy.map((q) => [
        q.queue,
        q.noisyGroups.join(', ') || '-',
        m(q, 'ApproximateNumberOfMessagesVisibleInQuietGroups'),
        m(q, 'ApproximateNumberOfMessagesNotVisibleInQuietGroups'),
        `${m(q, 'ApproximateAgeOfOldestMessageInQuietGroups')} s`,
      ]);
      lines.push(...table(['QUEUE', 'NOISY TENANTS', 'QUIET VISIBLE', 'QUIET IN FLIGHT', 'QUIET OLDEST'], rows).split('\n'));
    }
  }
  return lines;
}

function fairQueuesHeading(fair: readonly FairQueueState[], busy: readonly FairQueueState[]): string {
  if (fair.length === 0) return 'Fair queues: none (no consumer declares fairBy, and no message came with a MessageGroupId).';
  if (busy.length === 0) return `Fair queues: ${fair.map((q) => q.queue).join(', ')}; none holds messages now.`;
  return 'Fair queues (tenants by MessageGroupId):';
}

function describeControls({ settings: s }: DeclaredFlow): string {
  const parts: string[] = [];
  if (s.concurrency) parts.push(`concurrency ${s.concurrency.limit}`);
  if (s.rateLimit) parts.push(`rate ${s.rateLimit.limit} per ${s.rateLimit.periodSeconds} s`);
  if (s.debounce) parts.push(`debounce ${s.debounce.periodSeconds} s (at most ${s.debounce.maxWaitSeconds} s)`);
  if (s.pauseOnThrottle) parts.push('pause on throttling');
  if (s.circuitBreaker)
    parts.push(`circuit breaker (opens after ${s.circuitBreaker.failureThreshold} failures for ${s.circuitBreaker.openSeconds} s)`);
  const key = s.key?.path ?? (s.key?.constant === undefined ? undefined : JSON.stringify(s.key.constant));
  return `${parts.join(', ') || 'no controls'}${key ? `, keyed by ${key}` : ''}`;
}
