import { FilterLogEventsCommand, paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeExecutionCommand, DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { truncate } from '../../clients/format.js';
import type { Lineage, LineageNode } from '../../clients/read-api-contract.js';
import { mergeLineagePages, READ_API_PATHS, READ_API_PREFIX, readAllPages } from '../../clients/read-api-contract.js';
import { appFlows } from '../../inspect/app-flows.js';
import { defaultCdkOut, hasAssembly, readAssembly } from '../../inspect/assembly.js';
import { type Clients, call, describeAwsError, errorCode, pages, type Target } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { candidateExecutionNames } from '../../inspect/execution-names.js';
import { executionPattern, readRecords } from '../../inspect/express.js';
import { getReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { cannotListQueries, findFollowQueries, queriesFor, queryFolders, runFollowQueries, treeFromRows } from '../follow-queries.js';
import { timeOption } from '../times.js';
import { readTraces, renderSpanTrees } from '../trace-spans.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard trace <event-id|message-id|execution|value|trace-id> [--depth N] [--spans] [--aws [--since <24h|ISO time>]]

The lineage of one event, as a tree: the event, the rules it matched and what each target
did with it, the queue messages, the SNS notifications (what each subscription got, and the
deliveries that failed or that filter policies turned away), the invocations (with their log
lines), the executions they started and the events those emitted, and on down; dead-letters
with their reason.
Given a value that names no event, message or execution (a business id: an order or
ticket id), every event whose detail holds it is traced.

Locally it reads the runtime's read API (${READ_API_PREFIX}${READ_API_PATHS.lineage}<id>), which
links what happened by the X-Ray trace header each hop passes on. AWS has no such API: with
--aws it runs the app's saved Logs Insights queries (SwitchyardMonitoring's "<folder>/Follow
..." queries, over every function and state machine log group): a UUID with "Follow an event
id" and "Follow a correlation id", any other value with the business-key queries. From their
lines it draws the same tree as far as they allow: events, the executions and invocations
(with their log lines) that name them; rule matches are not available there (they leave no
log line), nor are queue messages. An app with no saved queries falls back, saying so, to the
executions the workflow starter named after an event holding the id and the log lines of the
app's log groups that mention it (FilterLogEvents).

  <id>                an event id, message id (SQS's or SNS's), Lambda request id,
                      execution ARN or name, or any value in an event's detail (an order
                      or ticket id)
  --depth <n>         levels of the tree to show, 1 to 50 (default 50)
  --spans             locally, the OpenTelemetry spans instead (${READ_API_PREFIX}${READ_API_PATHS.traces}<id>):
                      each trace as a tree of spans with its offset, duration, kind and
                      service, model calls with their tokens and cost; what the runtime's
                      services recorded (bus, rule, queue, invocation, execution, state,
                      model call) and what functions and the team's SDKs sent. <id> is also
                      a trace id (32 hex digits, or X-Ray's 1-<8>-<24>), a GraphQL request's
                      x-amzn-requestid, or a signed-in user's sub (their requests' traces)
  --since <when>      with --aws, how far back to look: 30m, 2h, 7d (ago) or an ISO-8601 time
                      (default 24h)

${GLOBAL_HELP}

Exit status: 0 traced, 1 nothing found or the target failed, 2 bad input.`;

export const trace: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { depth: { type: 'string' }, since: { type: 'string' }, spans: { type: 'boolean' } });
  if (values.help) return io.out(HELP);
  if (positionals.length !== 1 || String(positionals[0]).trim() === '') {
    throw usageError('trace takes one <event-id|value>: switchyard trace T-1001');
  }
  const id = String(positionals[0]).trim();
  const depth = integerOption('depth', values.depth, 50, 1, 50);
  const since = timeOption('since', values.since ?? '24h');
  const clients = io.clients(values);
  if (values.spans) {
    if (clients.target.kind === 'aws') {
      throw usageError('--spans reads the local runtime: in AWS the spans are in X-Ray (its trace view, or the aws/spans log group)');
    }
    const traces = await readTraces(clients.target, id);
    if (values.json) return io.out(JSON.stringify(traces, null, 2));
    for (const line of renderSpanTrees(traces)) io.out(line);
    return;
  }
  if (clients.target.kind === 'aws') {
    const queried = await traceWithSavedQueries(clients, values['cdk-out'], id, { start: since, end: new Date() }, io.err);
    if (queried !== undefined) {
      if (values.json) return io.out(JSON.stringify(queried, null, 2));
      return renderQueried(io.out, id, queried, depth);
    }
    const found = await traceInAws(clients, values['cdk-out'], id, io.err, since);
    if (values.json) return io.out(JSON.stringify(found, null, 2));
    return renderAws(io.out, id, found);
  }
  const lineage = await readLineage(clients.target, id, depth);
  if (values.json) return io.out(JSON.stringify(lineage, null, 2));
  for (const [i, root] of lineage.roots.entries()) {
    if (i > 0) io.out('');
    for (const line of renderTree(root)) io.out(line);
  }
};

/**
 * GET <endpoint>/_switchyard/v1/lineage/<id>, every page of it (a ticket id named by more
 * events than a page holds has several): the trees, each root once, or a one-line error.
 */
export async function readLineage(target: Extract<Target, { kind: 'local' }>, id: string, depth: number): Promise<Lineage> {
  return mergeLineagePages(await readAllPages((nextToken) => readLineagePage(target, id, depth, nextToken)));
}

async function readLineagePage(
  target: Extract<Target, { kind: 'local' }>,
  id: string,
  depth: number,
  nextToken: string | undefined,
): Promise<Lineage> {
  const query = new URLSearchParams({ depth: String(depth), ...(nextToken === undefined ? {} : { nextToken }) });
  return getReadApi<Lineage>(
    target,
    `${READ_API_PATHS.lineage}${encodeURIComponent(id)}?${query}`,
    () =>
      new CliError(
        `nothing to trace for "${id}": no event, message, notification, invocation or execution the runtime recorded has that id, and no event's detail holds it (the runtime keeps the last 24 hours, at most 10,000 events)`,
      ),
  );
}

/** Lines of a tree: each node with its time, status and reason; an invocation's log lines under it. */
export function renderTree(root: LineageNode): string[] {
  const lines: string[] = [];
  const visit = (node: LineageNode, lead: string, branch: string, rest: string) => {
    lines.push(`${lead}${branch}${headline(node)}`);
    const under = `${lead}${rest}`;
    const more = node.children.length > 0;
    const bar = more ? '│ ' : '  ';
    if (node.reason) lines.push(`${under}${bar}  reason: ${truncate(node.reason, 300)}`);
    for (const log of node.logs ?? []) {
      const shown = logLine(log);
      if (shown !== undefined) lines.push(`${under}${bar}  ┊ ${truncate(shown, 240)}`);
    }
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      visit(child, under, last ? '└─ ' : '├─ ', last ? '   ' : '│  ');
    });
  };
  visit(root, '', '', '');
  return lines;
}

const KIND_NAMES: Record<LineageNode['kind'], string> = {
  event: 'event',
  rule: 'rule',
  message: 'message',
  invocation: 'invocation',
  execution: 'execution',
  'dead-letter': 'DEAD-LETTER',
  'flow-control': 'flow control',
  'model-call': 'model call',
  notification: 'SNS notification',
  delivery: 'SNS delivery',
};

/** A Custom Event Bus's subscriber is recorded in a rule's place (its ARN as the rule's): named as what it is. */
function kindName(node: LineageNode): string {
  const arn = node.attributes?.ruleArn;
  return node.kind === 'rule' && typeof arn === 'string' && arn.includes(':subscriber/') ? 'subscriber' : KIND_NAMES[node.kind];
}

function headline(node: LineageNode): string {
  const at = node.time.length >= 23 ? node.time.slice(11, 23) : node.time;
  const status = node.status ? `  [${node.status}]` : '';
  // Events, messages, notifications and dead-letters are known by their ids; the others' labels name them.
  const id = ['event', 'message', 'notification', 'dead-letter'].includes(node.kind) && !node.label.includes(node.id) ? `  ${node.id}` : '';
  return `${at}  ${kindName(node)}: ${node.label}${status}${id}`;
}

/** Keys every structured log line of a function repeats (Lambda's and Powertools'): left out of the line shown. */
const REPEATED_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'time',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'requestId',
]);

/**
 * One log line as a person reads it: a JSON line (LogFormat JSON) as `LEVEL message {other fields}`,
 * Lambda's platform records as START and REPORT; embedded metrics (EMF) are left out. Text lines as they are.
 */
export function logLine(line: string): string | undefined {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (record._aws !== undefined) return undefined;
  const platform = record.record as { requestId?: string; metrics?: { durationMs?: number; maxMemoryUsedMB?: number } } | undefined;
  if (record.type === 'platform.start') return `START RequestId: ${platform?.requestId ?? ''}`;
  if (record.type === 'platform.report') {
    return `REPORT RequestId: ${platform?.requestId ?? ''} Duration: ${platform?.metrics?.durationMs ?? '-'} ms Max Memory Used: ${platform?.metrics?.maxMemoryUsedMB ?? '-'} MB`;
  }
  if (typeof record.type === 'string' && record.type.startsWith('platform.'))
    return `${record.type} ${JSON.stringify(record.record ?? {})}`;
  if (typeof record.message !== 'string') return line;
  const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !REPEATED_KEYS.has(key)));
  return `${String(record.level ?? '').toUpperCase() || 'LOG'} ${record.message}${Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ''}`;
}

// ---- AWS: no read API; what its APIs give ----

interface AwsTrace {
  readonly note: string;
  readonly executions: { readonly flow: string; readonly executionArn: string; readonly status?: string; readonly startDate?: string }[];
  readonly logs: { readonly logGroup: string; readonly time: string; readonly message: string }[];
}

const awsNote = (since: Date) =>
  `AWS has no API for which rules an event matched or which message and invocation it became: shown are the executions named after the id (as the workflow starter names an execution of a trigger's event that holds it) and the log lines of the app that mention it, since ${since.toISOString()}`;

async function traceInAws(
  clients: Clients,
  cdkOut: string | undefined,
  id: string,
  note: (line: string) => void,
  since: Date,
): Promise<AwsTrace> {
  const flows = await appFlows(clients, cdkOut, note);
  const dir = defaultCdkOut(cdkOut);
  const candidates = hasAssembly(dir) ? candidateExecutionNames(readAssembly(dir), id) : [];
  const triggered = new Set(candidates.flatMap((c) => c.flows));
  // A flow's own triggers name its executions; a flow no trigger starts may be started by another under that flow's name.
  const namesFor = (flow: (typeof flows)[number]) =>
    candidates.filter((c) => c.flows.includes(flow.logicalId) || !triggered.has(flow.logicalId)).map((c) => c.name);
  const executions: AwsTrace['executions'][number][] = [];
  for (const flow of flows) {
    if (flow.type === 'STANDARD') {
      for (const wanted of [...namesFor(flow), id]) {
        const executionArn = `${flow.arn.replace(':stateMachine:', ':execution:')}:${wanted}`;
        const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn })).catch((error: unknown) => {
          if (errorCode(error) === 'ExecutionDoesNotExist' || errorCode(error) === 'InvalidArn') return undefined;
          throw error;
        });
        if (described) {
          executions.push({ flow: flow.flow, executionArn, status: described.status, startDate: described.startDate?.toISOString() });
        }
      }
    } else if (flow.logs) {
      const names = namesFor(flow);
      if (names.length === 0) continue;
      const logGroup = await expressLogGroup(clients, flow.arn);
      if (logGroup === undefined) continue;
      // Express executions are known only by their log records; an ARN holds its name.
      for (const name of names) {
        const prefix = `${flow.arn.replace(':stateMachine:', ':express:')}:${name}:`;
        const records = await readRecords(clients, logGroup, { filterPattern: executionPattern(`${prefix}*`) });
        const seen = new Set<string>();
        for (const record of records) {
          if (!record.executionArn.startsWith(prefix) || seen.has(record.executionArn)) continue;
          seen.add(record.executionArn);
          executions.push({ flow: flow.flow, executionArn: record.executionArn });
        }
      }
    }
  }
  return { note: awsNote(since), executions, logs: await logLinesMentioning(clients, cdkOut, id, since) };
}

async function expressLogGroup(clients: Clients, stateMachineArn: string): Promise<string | undefined> {
  const machine = await call(clients.target, () => clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn })));
  const arn = machine.loggingConfiguration?.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn;
  return arn === undefined ? undefined : /:log-group:([^:]+)/.exec(arn)?.[1];
}

/** FilterLogEvents for the id over the log groups named after the app's stacks (CloudFormation names them `<stack>-...`). */
async function logLinesMentioning(clients: Clients, cdkOut: string | undefined, id: string, from: Date): Promise<AwsTrace['logs']> {
  const dir = defaultCdkOut(cdkOut);
  const stacks = hasAssembly(dir) ? readAssembly(dir).stacks.map((stack) => stack.stackName) : [];
  const groups = new Set<string>();
  for (const stack of stacks) {
    for await (const page of pages(clients.target, paginateDescribeLogGroups({ client: clients.logs }, { logGroupNamePattern: stack }))) {
      for (const group of page.logGroups ?? []) if (group.logGroupName) groups.add(group.logGroupName);
    }
  }
  const lines: AwsTrace['logs'][number][] = [];
  const since = from.getTime();
  for (const logGroup of groups) {
    const page = await call(clients.target, () =>
      clients.logs.send(
        new FilterLogEventsCommand({ logGroupName: logGroup, filterPattern: JSON.stringify(id), startTime: since, limit: 100 }),
      ),
    );
    for (const event of page.events ?? []) {
      lines.push({ logGroup, time: new Date(event.timestamp ?? 0).toISOString(), message: (event.message ?? '').trimEnd() });
    }
  }
  return lines.sort((a, b) => a.time.localeCompare(b.time));
}

function renderAws(out: (line: string) => void, id: string, found: AwsTrace): void {
  if (found.executions.length === 0 && found.logs.length === 0) {
    throw new CliError(
      `nothing to trace for "${id}" in AWS: no execution is named after it and no log line of the app mentions it (${found.note.slice(found.note.lastIndexOf('since '))})`,
    );
  }
  out(`(${found.note})`);
  out('');
  out(`executions named after ${id}:${found.executions.length === 0 ? ' none' : ''}`);
  for (const e of found.executions)
    out(`├─ ${e.startDate?.slice(11, 23) ?? ''}  ${e.flow}  ${e.executionArn}${e.status ? `  [${e.status}]` : ''}`);
  out('');
  out(`log lines that mention ${id}:${found.logs.length === 0 ? ' none' : ''}`);
  let group: string | undefined;
  for (const line of found.logs) {
    if (line.logGroup !== group) {
      group = line.logGroup;
      out(`├─ ${group}`);
    }
    out(`│  ┊ ${line.time.slice(11, 23)}  ${truncate(line.message, 240)}`);
  }
}

// ---- AWS with the app's saved Logs Insights queries ----

export interface QueriedTrace {
  readonly note: string;
  /** The saved queries run. */
  readonly queries: readonly string[];
  readonly since: string;
  readonly roots: readonly LineageNode[];
}

/**
 * The trace from the app's saved follow-queries, or undefined when the app has none (or
 * they cannot be listed): the caller then falls back to FilterLogEvents, and this says so.
 */
export async function traceWithSavedQueries(
  clients: Clients,
  cdkOut: string | undefined,
  id: string,
  window: {
    readonly start: Date;
    readonly end: Date;
    readonly pollMs?: number;
    readonly maxPolls?: number;
    readonly sleep?: (ms: number) => Promise<void>;
  },
  note: (line: string) => void,
): Promise<QueriedTrace | undefined> {
  const folders = queryFolders(cdkOut);
  let saved: Awaited<ReturnType<typeof findFollowQueries>> = [];
  try {
    saved = folders.length === 0 ? [] : await findFollowQueries(clients, folders);
  } catch (error) {
    if (!cannotListQueries(error)) throw describeAwsError(clients.target, error);
    note(`cannot list the saved Logs Insights queries (${errorCode(error)}): falling back to FilterLogEvents`);
    return undefined;
  }
  const chosen = queriesFor(saved, id);
  if (chosen.length === 0) {
    note(
      `no saved Logs Insights follow-query of the app (${folders.length === 0 ? 'no cloud assembly' : folders.map((f) => `${f}/`).join(', ')}): falling back to FilterLogEvents (add SwitchyardMonitoring to save them)`,
    );
    return undefined;
  }
  const rows = await runFollowQueries(clients, chosen, id, window);
  return {
    note: `from the saved Logs Insights queries ${[...new Set(chosen.map((q) => q.spec.name))].map((n) => `"${n}"`).join(', ')} since ${window.start.toISOString()}: what the log lines tell; rule matches and queue messages leave none`,
    queries: chosen.map((q) => q.name),
    since: window.start.toISOString(),
    roots: treeFromRows(rows),
  };
}

function renderQueried(out: (line: string) => void, id: string, found: QueriedTrace, depth: number): void {
  if (found.roots.length === 0) {
    throw new CliError(`nothing to trace for "${id}" in AWS: the saved queries found no log line since ${found.since}`);
  }
  out(`(${found.note})`);
  const cut = (node: LineageNode, level: number): LineageNode => ({
    ...node,
    children: level >= depth ? [] : node.children.map((child) => cut(child, level + 1)),
  });
  for (const root of found.roots) {
    out('');
    for (const line of renderTree(cut(root, 1))) out(line);
  }
}
