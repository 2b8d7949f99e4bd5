import { DescribeStateMachineCommand, type ExecutionStatus, type HistoryEvent } from '@aws-sdk/client-sfn';
import { executionEndStatus, START_AND_END_PATTERN } from '../clients/execution-statuses.js';
import { type Clients, call, pages, sdk } from './aws.js';
import type { Flow } from './flows.js';

/**
 * Express executions as AWS keeps them: only as the history events a state machine with a
 * LoggingConfiguration writes to its log group, one JSON record per event
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level).
 * Read with FilterLogEvents, as the Step Functions console does, locally and in AWS alike.
 */
export interface ExpressLogging {
  readonly logGroup: string;
  readonly level: string;
  readonly includeExecutionData: boolean;
}

/** One execution assembled from its log records. */
export interface ExpressExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  /** What it started with and, when it succeeded, ended with: recorded only with `includeExecutionData`. */
  readonly input?: string;
  readonly output?: string;
  readonly events: HistoryEvent[];
}

/** The `loggingConfiguration` DescribeStateMachine returns, or undefined when nothing is logged. */
export async function expressLogging(clients: Clients, flow: Flow): Promise<ExpressLogging | undefined> {
  const machine = await call(clients.target, () => clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: flow.arn })));
  const config = machine.loggingConfiguration;
  const arn = config?.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn;
  const logGroup = arn === undefined ? undefined : /:log-group:([^:]+)/.exec(arn)?.[1];
  if (config?.level === undefined || config.level === 'OFF' || logGroup === undefined) return undefined;
  return { logGroup, level: config.level, includeExecutionData: config.includeExecutionData === true };
}

/** Why an Express flow's executions cannot be read. */
export function noExpressRecord(flow: Pick<Flow, 'flow'>): string {
  return `${flow.flow} is an Express flow without logging: AWS keeps no record of Express executions without logging (set LoggingConfiguration with level ALL to see them)`;
}

/** A log record as Step Functions writes it: ids, timestamps and the redrive count as strings. */
interface LogRecord {
  id?: string;
  type?: string;
  details?: Record<string, unknown>;
  previous_event_id?: string;
  event_timestamp?: string;
  execution_arn?: string;
}

export interface ReadOptions {
  /** A filter pattern: all records when left out. */
  readonly filterPattern?: string;
  /** Only records from this time on (ms since the epoch). */
  readonly startTime?: number;
}

/** The execution history records of a log group, in the order they were written, each as a HistoryEvent. */
export async function readRecords(
  clients: Clients,
  logGroup: string,
  options: ReadOptions = {},
): Promise<{ executionArn: string; event: HistoryEvent; ingested: number }[]> {
  const records: { executionArn: string; event: HistoryEvent; ingested: number }[] = [];
  // Required here, not imported: only an Express flow's executions need CloudWatch Logs.
  const { paginateFilterLogEvents } = sdk.logs();
  const paginator = paginateFilterLogEvents(
    { client: clients.logs },
    { logGroupName: logGroup, filterPattern: options.filterPattern, startTime: options.startTime },
  );
  for await (const page of pages(clients.target, paginator)) {
    for (const logEvent of page.events ?? []) {
      const record = parseRecord(logEvent.message);
      if (record?.execution_arn === undefined || record.type === undefined) continue;
      records.push({ executionArn: record.execution_arn, event: historyEvent(record), ingested: logEvent.timestamp ?? 0 });
    }
  }
  return records;
}

function parseRecord(message: string | undefined): LogRecord | undefined {
  if (message === undefined) return undefined;
  try {
    const parsed = JSON.parse(message) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** The GetExecutionHistory member a record's details belong in (`TaskStateEntered` → `stateEnteredEventDetails`). */
function detailsMember(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/** A log record as the HistoryEvent GetExecutionHistory would give for it. */
export function historyEvent(record: LogRecord): HistoryEvent {
  const type = record.type as string;
  const number = (text: string | undefined) => (text === undefined || !/^\d+$/.test(text) ? undefined : Number(text));
  const event: Record<string, unknown> = {
    id: number(record.id),
    type,
    previousEventId: number(record.previous_event_id),
    timestamp: number(record.event_timestamp) === undefined ? undefined : new Date(number(record.event_timestamp) as number),
  };
  if (record.details !== undefined && Object.keys(record.details).length > 0) event[detailsMember(type)] = record.details;
  return event as unknown as HistoryEvent;
}

/** `arn:aws:states:<region>:<account>:express:<machine>:<name>:<id>` → its name and its state machine's ARN. */
export function parseExpressArn(executionArn: string): { name: string; stateMachineArn: string } | undefined {
  const m = /^(arn:[^:]+:states:[^:]*:[^:]*):express:([^:]+):([^:]+):[^:]+$/.exec(executionArn);
  return m ? { name: m[3] as string, stateMachineArn: `${m[1]}:stateMachine:${m[2]}` } : undefined;
}

/** Groups records into executions (one per execution ARN), each with its status from its terminal event. */
export function expressExecutions(records: readonly { executionArn: string; event: HistoryEvent }[]): ExpressExecution[] {
  const byArn = new Map<string, HistoryEvent[]>();
  for (const { executionArn, event } of records) {
    const events = byArn.get(executionArn) ?? [];
    byArn.set(executionArn, events);
    events.push(event);
  }
  return [...byArn].map(([executionArn, events]) => {
    events.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    const terminal = events.find((e) => executionEndStatus(e.type) !== undefined);
    const started = events.find((e) => e.type === 'ExecutionStarted');
    const parsed = parseExpressArn(executionArn);
    return {
      executionArn,
      stateMachineArn: parsed?.stateMachineArn ?? '',
      name: parsed?.name ?? executionArn.split(':').at(-2) ?? executionArn,
      status: executionEndStatus(terminal?.type) ?? 'RUNNING',
      startDate: (started ?? events[0])?.timestamp,
      stopDate: terminal?.timestamp,
      input: eventData(started, 'input'),
      output: terminal?.type === 'ExecutionSucceeded' ? eventData(terminal, 'output') : undefined,
      events,
    };
  });
}

/** The input or output a history event's details carry, as a log record gives them (a string). */
function eventData(event: HistoryEvent | undefined, key: 'input' | 'output'): string | undefined {
  const details = Object.entries(event ?? {}).find(([k]) => k.endsWith('EventDetails'))?.[1] as Record<string, unknown> | undefined;
  return typeof details?.[key] === 'string' ? details[key] : undefined;
}

/** The pattern that selects one execution's records. */
export function executionPattern(executionArn: string): string {
  return `{ $.execution_arn = ${JSON.stringify(executionArn)} }`;
}

/** The Express executions a flow's log group records (from their start and end records), or undefined when the flow does not log. */
export async function loggedExpressExecutions(clients: Clients, flow: Flow): Promise<ExpressExecution[] | undefined> {
  const logging = await expressLogging(clients, flow);
  if (logging === undefined) return undefined;
  return expressExecutions(await readRecords(clients, logging.logGroup, { filterPattern: START_AND_END_PATTERN }));
}
