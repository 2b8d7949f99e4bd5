import {
  DescribeQueryDefinitionsCommand,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { executionEndStatus } from '../clients/execution-statuses.js';
import type { LineageNode } from '../clients/read-api-contract.js';
import {
  type FollowQueryKind,
  type FollowQuerySpec,
  fillPlaceholder,
  followQueryKindsFor,
  parseFollowQueryName,
} from '../contracts/log-queries.js';
import { defaultCdkOut, hasAssembly, readAssembly, resourcesOfType } from '../inspect/assembly.js';
import { type Clients, call, errorCode } from '../inspect/aws.js';
import { CliError } from '../inspect/errors.js';

/** One saved follow-query (or one part of it) as CloudWatch Logs holds it. */
export interface SavedFollowQuery {
  readonly name: string;
  readonly spec: FollowQuerySpec;
  readonly queryString: string;
  readonly logGroupNames: readonly string[];
}

/**
 * The folders the app's follow-queries are saved in: the folder of every QueryDefinition in
 * the cloud assembly named `<folder>/Follow ...`; without one, each stack's name (the
 * monitoring construct's default folder).
 */
export function queryFolders(cdkOut: string | undefined): string[] {
  const dir = defaultCdkOut(cdkOut);
  if (!hasAssembly(dir)) return [];
  const assembly = readAssembly(dir);
  const folders = new Set<string>();
  for (const resource of resourcesOfType(assembly, 'AWS::Logs::QueryDefinition')) {
    const name = resource.properties.Name;
    const at = typeof name === 'string' ? name.lastIndexOf('/Follow ') : -1;
    if (typeof name === 'string' && at > 0) folders.add(name.slice(0, at));
  }
  if (folders.size === 0) for (const stack of assembly.stacks) folders.add(stack.stackName);
  return [...folders];
}

/** DescribeQueryDefinitions under each `<folder>/`: the follow-queries saved there. */
export async function findFollowQueries(clients: Clients, folders: readonly string[]): Promise<SavedFollowQuery[]> {
  const found: SavedFollowQuery[] = [];
  for (const folder of folders) {
    let nextToken: string | undefined;
    do {
      const page = await clients.logs.send(
        new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: `${folder}/`, maxResults: 1000, nextToken }),
      );
      for (const definition of page.queryDefinitions ?? []) {
        const spec = definition.name === undefined ? undefined : parseFollowQueryName(folder, definition.name);
        if (spec === undefined || !definition.queryString || !definition.logGroupNames?.length) continue;
        found.push({ name: definition.name as string, spec, queryString: definition.queryString, logGroupNames: definition.logGroupNames });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return found;
}

/** The saved queries to run for `id`: those of the kinds that fit it (every part of each). */
export function queriesFor(saved: readonly SavedFollowQuery[], id: string): SavedFollowQuery[] {
  const kinds = followQueryKindsFor(id, [...new Set(saved.map((q) => q.spec.kind))] as FollowQueryKind[]);
  return kinds.flatMap((kind) => saved.filter((q) => q.spec.kind === kind));
}

/** Fields the trace adds to a saved query's own, to group lines into invocations (the saved text is otherwise run as it is). */
const TRACE_FIELDS = ['@logStream', '@message', '@requestId', 'requestId'];

/** The saved query with the id in its placeholder (escaped) and the trace's fields added to its first `fields` command. */
export function traceQueryString(query: SavedFollowQuery, id: string): string {
  const filled = fillPlaceholder(query.queryString, query.spec.placeholder, id);
  const [first = '', ...rest] = filled.split('\n');
  if (!/^fields\s/.test(first)) return filled;
  const have = new Set(
    first
      .slice('fields'.length)
      .split(',')
      .map((f) => f.trim()),
  );
  const extra = TRACE_FIELDS.filter((f) => !have.has(f));
  return [extra.length === 0 ? first : `${first}, ${extra.join(', ')}`, ...rest].join('\n');
}

export interface RunOptions {
  readonly start: Date;
  readonly end: Date;
  /** Between two GetQueryResults calls. */
  readonly pollMs?: number;
  /** GetQueryResults calls before the query is stopped and reported as too slow. */
  readonly maxPolls?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type QueryRow = Readonly<Record<string, string>>;

/** StartQuery over each query's log groups, GetQueryResults until each completes (bounded); their rows, each once. */
export async function runFollowQueries(
  clients: Clients,
  queries: readonly SavedFollowQuery[],
  id: string,
  options: RunOptions,
): Promise<QueryRow[]> {
  const pollMs = options.pollMs ?? 1_000;
  const maxPolls = options.maxPolls ?? 120;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const queryString = (query: SavedFollowQuery) => {
    try {
      return traceQueryString(query, id);
    } catch (error) {
      throw new CliError(`cannot follow "${id}": ${(error as Error).message}`, 2);
    }
  };
  const started = await Promise.all(
    queries.map(async (query) => {
      const answer = await call(clients.target, () =>
        clients.logs.send(
          new StartQueryCommand({
            logGroupNames: [...query.logGroupNames],
            queryString: queryString(query),
            startTime: Math.floor(options.start.getTime() / 1000),
            endTime: Math.ceil(options.end.getTime() / 1000),
          }),
        ),
      );
      if (!answer.queryId) throw new CliError(`StartQuery of "${query.name}" answered no query id`);
      return { query, queryId: answer.queryId };
    }),
  );
  const rows: QueryRow[] = [];
  const seen = new Set<string>();
  for (const { query, queryId } of started) {
    for (let poll = 1; ; poll++) {
      const answer = await call(clients.target, () => clients.logs.send(new GetQueryResultsCommand({ queryId })));
      const status = answer.status ?? 'Unknown';
      if (status === 'Complete') {
        for (const fields of answer.results ?? []) {
          const row = toRow(fields);
          const key = row['@ptr'] ?? JSON.stringify(row);
          if (seen.has(key)) continue;
          seen.add(key);
          rows.push(row);
        }
        break;
      }
      if (status !== 'Running' && status !== 'Scheduled' && status !== 'Unknown') {
        throw new CliError(`the saved query "${query.name}" ended ${status} (query id ${queryId})`);
      }
      if (poll >= maxPolls) {
        await clients.logs.send(new StopQueryCommand({ queryId })).catch(() => undefined);
        throw new CliError(
          `the saved query "${query.name}" did not complete within ${Math.round((maxPolls * pollMs) / 1000)} s (stopped; query id ${queryId}): narrow --since`,
        );
      }
      await sleep(pollMs);
    }
  }
  return rows.sort((a, b) => (a['@timestamp'] ?? '').localeCompare(b['@timestamp'] ?? ''));
}

function toRow(fields: readonly ResultField[]): QueryRow {
  const row: Record<string, string> = {};
  for (const { field, value } of fields) if (field !== undefined && value !== undefined) row[field] = value;
  return row;
}

/** Whether listing the saved queries failed because the endpoint or the caller cannot (then the trace falls back). */
export function cannotListQueries(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'UnknownOperationException' || code === 'AccessDeniedException' || code === 'UnrecognizedClientException';
}

// ---- the tree: events -> executions and invocations (with their log lines) ----

interface Building {
  kind: 'event' | 'invocation' | 'execution';
  id: string;
  label: string;
  time: string;
  status?: string;
  reason?: string;
  attributes: Record<string, string>;
  logs: string[];
  children: Building[];
  /** Event ids the node's lines name; execution arns an invocation's lines name. */
  eventIds: Set<string>;
  mentions: string;
}

/** `2024-05-01 10:00:00.123` (Logs Insights, UTC) -> ISO 8601. */
function isoTime(value: string | undefined): string {
  if (!value) return '';
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function parseJson(message: string): Record<string, unknown> | undefined {
  if (!message.startsWith('{')) return undefined;
  try {
    return JSON.parse(message) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The tree the local trace prints, from follow-query rows, as far as log lines allow: each
 * event id the lines name (with its detail type), under it the executions and invocations
 * whose lines name it, under an execution the invocations whose lines name its ARN. Rule
 * matches and queue messages leave no log line: they are not in it. What names no event is a root of its own.
 */
export function treeFromRows(rows: readonly QueryRow[]): LineageNode[] {
  const events = new Map<string, Building>();
  const executions = new Map<string, Building>();
  const invocations = new Map<string, Building>();
  for (const row of rows) {
    const time = isoTime(row['@timestamp']);
    const logGroup = (row['@log'] ?? '').replace(/^\d{12}:/, '');
    const message = (row['@message'] ?? row.message ?? '').trimEnd();
    const json = parseJson(message);
    const eventId = row.eventId ?? (typeof json?.eventId === 'string' ? json.eventId : undefined);
    const detailType = row.detailType ?? (typeof json?.detailType === 'string' ? json.detailType : undefined);
    if (eventId !== undefined) {
      const event = events.get(eventId) ?? node('event', eventId, detailType ?? 'event', time);
      if (detailType !== undefined && event.label === 'event') event.label = detailType;
      if (row.correlationId) event.attributes.correlationId = row.correlationId;
      events.set(eventId, event);
    }
    const executionArn = row.execution_arn ?? (typeof json?.execution_arn === 'string' ? json.execution_arn : undefined);
    if (executionArn !== undefined) {
      const execution = executions.get(executionArn) ?? node('execution', executionArn, executionArn.split(':').slice(-2).join(':'), time);
      execution.attributes.logGroup = logGroup;
      const type = row.type ?? (typeof json?.type === 'string' ? json.type : undefined);
      if (type !== undefined) {
        execution.logs.push(type);
        const ended = executionEndStatus(type);
        if (ended !== undefined) execution.status = ended.toLowerCase().replace('_', ' ');
        else execution.status ??= 'running';
      }
      if (eventId !== undefined) execution.eventIds.add(eventId);
      execution.mentions += `${message}\n`;
      executions.set(executionArn, execution);
      continue;
    }
    if (logGroup.startsWith('/aws/lambda/')) addInvocationLine(invocations, { row, logGroup, message, json, eventId, time });
  }
  const roots: Building[] = [...events.values()];
  const eventFor = (b: Building): Building | undefined => {
    for (const id of b.eventIds) if (events.has(id)) return events.get(id);
    for (const [id, event] of events) if (b.id.includes(id)) return event;
    return undefined;
  };
  for (const execution of executions.values()) (eventFor(execution)?.children ?? roots).push(execution);
  for (const invocation of invocations.values()) {
    const execution = [...executions.values()].find((e) => invocation.mentions.includes(e.id));
    (execution?.children ?? eventFor(invocation)?.children ?? roots).push(invocation);
  }
  return roots.sort((x, y) => x.time.localeCompare(y.time)).map(finish);
}

function node(kind: Building['kind'], id: string, label: string, time: string): Building {
  return { kind, id, label, time, attributes: {}, logs: [], children: [], eventIds: new Set(), mentions: '' };
}

/** A Lambda log line, added to its invocation (by request id: the row's, the JSON's, the platform record's or the text's). */
function addInvocationLine(
  invocations: Map<string, Building>,
  line: {
    row: QueryRow;
    logGroup: string;
    message: string;
    json: Record<string, unknown> | undefined;
    eventId: string | undefined;
    time: string;
  },
): void {
  const { row, logGroup, message, json, eventId, time } = line;
  const platform = json?.record as { requestId?: string } | undefined;
  const requestId =
    row.requestId ??
    row['@requestId'] ??
    (typeof json?.requestId === 'string' ? json.requestId : undefined) ??
    platform?.requestId ??
    /RequestId: ([0-9a-f-]{36})/i.exec(message)?.[1] ??
    `${row['@logStream'] ?? 'unknown stream'}`;
  const fn = logGroup.slice('/aws/lambda/'.length);
  const key = `${fn}\u0000${requestId}`;
  const invocation = invocations.get(key) ?? node('invocation', requestId, `${fn} ${requestId}`, time);
  invocation.attributes.function = fn;
  invocation.attributes.logGroup = logGroup;
  if (row['@logStream']) invocation.attributes.logStream = row['@logStream'];
  invocation.logs.push(message);
  const level = String(row.level ?? json?.level ?? '').toUpperCase();
  if (level === 'ERROR' || (json?.type === 'platform.runtimeDone' && (json.record as { status?: string })?.status !== 'success'))
    invocation.status = 'failed';
  if (eventId !== undefined) invocation.eventIds.add(eventId);
  invocation.mentions += `${message}\n`;
  invocations.set(key, invocation);
}

function finish(b: Building): LineageNode {
  return {
    kind: b.kind,
    id: b.id,
    label: b.label,
    time: b.time,
    ...(b.status ? { status: b.status } : {}),
    ...(Object.keys(b.attributes).length ? { attributes: b.attributes } : {}),
    ...(b.kind === 'event' ? {} : { logs: b.logs }),
    children: b.children.sort((x, y) => x.time.localeCompare(y.time)).map(finish),
  };
}
