import { executionEndStatus, START_AND_END_PATTERN } from '../../clients/execution-statuses.js';
import { executionSubject } from '../../clients/execution-subject.js';
import { detailsOf, type WireHistoryEvent } from '../../clients/history-reader.js';
import { all, call } from './aws.js';
import { type StateMachineItem, stateMachines } from './escalations.js';
import { expressExecutions } from './feed.js';
import { expressMachineArn, fromLogRecord, isExpressArn, toDate } from './wire.js';

export interface ExecutionRow {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly flow: string;
  /** DURABLE: a Lambda durable function's execution (`stateMachineArn` its function's ARN, `flow` its name). */
  readonly type: 'STANDARD' | 'EXPRESS' | 'DURABLE';
  readonly name: string;
  /** What it is about, as the CLI's KEY column says it (clients/execution-subject.ts): names alone are digests. */
  readonly subject?: string;
  readonly status: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
}

/**
 * Executions of every state machine (or one), newest first: Standard ones with
 * ListExecutions, Express ones from the runtime's read API (AWS keeps no list of them).
 * `expressProblem` says why Express executions are missing, when they are.
 */
export async function listExecutions(filter: { stateMachineArn?: string; status?: string; limit?: number }): Promise<{
  rows: ExecutionRow[];
  machines: StateMachineItem[];
  expressProblem?: string;
}> {
  const machines = await stateMachines();
  const limit = filter.limit ?? 100;
  const chosen = machines.filter((m) => filter.stateMachineArn === undefined || m.stateMachineArn === filter.stateMachineArn);
  const rows: ExecutionRow[] = [];
  let expressProblem: string | undefined;
  for (const machine of chosen.filter((m) => m.type === 'STANDARD')) {
    const page = await call<{ executions?: Record<string, unknown>[] }>('sfn', 'ListExecutions', {
      stateMachineArn: machine.stateMachineArn,
      maxResults: limit,
      ...(filter.status ? { statusFilter: filter.status } : {}),
    });
    for (const e of page.executions ?? []) rows.push(row(e, machine));
  }
  const express = chosen.filter((m) => m.type === 'EXPRESS');
  if (express.length > 0 && (filter.status === undefined || filter.status !== 'PENDING_REDRIVE')) {
    const problems: string[] = [];
    for (const machine of express) {
      try {
        const page = await expressExecutions({ stateMachineArn: machine.stateMachineArn, status: filter.status, limit });
        for (const e of page.executions) rows.push(row(e as unknown as Record<string, unknown>, machine));
      } catch (error) {
        // No read API (a runtime without one): the flow's log group, as in AWS.
        const logged = await loggedExpressExecutions(machine).catch(() => undefined);
        if (logged === undefined) problems.push(`${machine.name}: ${(error as Error).message}; and it logs no executions`);
        for (const e of logged ?? []) if (filter.status === undefined || e.status === filter.status) rows.push(e);
      }
    }
    if (problems.length > 0) expressProblem = `Express executions missing (${problems.join('; ')})`;
  }
  rows.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
  return { rows: await withSubjects(rows.slice(0, limit)), machines, ...(expressProblem ? { expressProblem } : {}) };
}

function row(e: Record<string, unknown>, machine: StateMachineItem): ExecutionRow {
  return {
    executionArn: String(e.executionArn),
    stateMachineArn: machine.stateMachineArn,
    flow: machine.name,
    type: machine.type,
    name: String(e.name ?? String(e.executionArn).split(':').at(-2)),
    // An Express execution's summary (the read API's) names its business key.
    ...(typeof e.businessKey === 'string' ? { subject: e.businessKey } : {}),
    status: String(e.status),
    startDate: toDate(e.startDate),
    stopDate: toDate(e.stopDate),
  };
}

/**
 * What each Standard execution is about, by ARN: an input never changes, so each is described
 * once (ListExecutions gives no input; the list is read again as executions start and end).
 */
const subjects = new Map<string, string | undefined>();

/** How many DescribeExecution calls are in flight at once (as the CLI's `executions`). */
const DESCRIBE_CONCURRENCY = 10;

/** The rows with what their Standard executions are about, from their inputs (DescribeExecution). */
async function withSubjects(rows: readonly ExecutionRow[]): Promise<ExecutionRow[]> {
  const unknown = rows.filter((r) => r.type === 'STANDARD' && !subjects.has(r.executionArn));
  for (let at = 0; at < unknown.length; at += DESCRIBE_CONCURRENCY) {
    await Promise.all(
      unknown.slice(at, at + DESCRIBE_CONCURRENCY).map(async ({ executionArn }) => {
        const { input } = await call<{ input?: string }>('sfn', 'DescribeExecution', { executionArn });
        subjects.set(executionArn, executionSubject(input));
      }),
    );
  }
  return rows.map((r) => {
    const subject = r.type === 'STANDARD' ? subjects.get(r.executionArn) : r.subject;
    return subject === undefined ? r : { ...r, subject };
  });
}

/** An Express flow's executions from the start and end records in its log group, or undefined when it logs none. */
async function loggedExpressExecutions(machine: StateMachineItem): Promise<ExecutionRow[] | undefined> {
  const described = await call<Record<string, unknown>>('sfn', 'DescribeStateMachine', { stateMachineArn: machine.stateMachineArn });
  const logGroup = logGroupOf(described.loggingConfiguration);
  if (logGroup === undefined) return undefined;
  const records = await all<{ message?: string }>(
    'logs',
    'FilterLogEvents',
    { logGroupName: logGroup, filterPattern: START_AND_END_PATTERN },
    'events',
  );
  const byArn = new Map<string, { start?: Date; stop?: Date; status: string; subject?: string }>();
  for (const r of records) {
    const record = parse(r.message) as Record<string, unknown> | undefined;
    const arn = typeof record?.execution_arn === 'string' ? record.execution_arn : undefined;
    if (arn === undefined || record === undefined) continue;
    const entry = byArn.get(arn) ?? { status: 'RUNNING' };
    byArn.set(arn, entry);
    const at = fromLogRecord(record);
    const status = executionEndStatus(String(record.type));
    if (record.type === 'ExecutionStarted') {
      entry.start = toDate(at.timestamp);
      entry.subject = executionSubject(startInput(at));
    } else if (status !== undefined) {
      entry.stop = toDate(at.timestamp);
      entry.status = status;
    }
  }
  return [...byArn].map(([executionArn, e]) => ({
    executionArn,
    stateMachineArn: machine.stateMachineArn,
    flow: machine.name,
    type: 'EXPRESS' as const,
    name: executionArn.split(':').at(-2) ?? executionArn,
    ...(e.subject === undefined ? {} : { subject: e.subject }),
    status: e.status,
    startDate: e.start,
    stopDate: e.stop,
  }));
}

export interface ExecutionDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly flow: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: unknown;
  readonly events: WireHistoryEvent[];
  readonly describe?: Record<string, unknown>;
  /** Why part of it cannot be shown (an Express flow without logging). */
  readonly problem?: string;
}

/**
 * One execution with its state machine's definition and its history: a Standard one with
 * DescribeExecution and GetExecutionHistory; an Express one from the records its state
 * machine logs (FilterLogEvents), as the Step Functions console reads them in AWS.
 */
export async function loadExecution(executionArn: string): Promise<ExecutionDetail> {
  if (isExpressArn(executionArn)) {
    const stateMachineArn = expressMachineArn(executionArn) ?? '';
    const machine = await call<Record<string, unknown>>('sfn', 'DescribeStateMachine', { stateMachineArn });
    const definition = parse(machine.definition);
    const logGroup = logGroupOf(machine.loggingConfiguration);
    if (logGroup === undefined) {
      return {
        executionArn,
        stateMachineArn,
        flow: String(machine.name),
        type: 'EXPRESS',
        definition,
        events: [],
        problem: `${String(machine.name)} is an Express state machine without logging: AWS keeps no history of its executions (set LoggingConfiguration with level ALL)`,
      };
    }
    const records = await all<{ message?: string }>(
      'logs',
      'FilterLogEvents',
      { logGroupName: logGroup, filterPattern: `{ $.execution_arn = ${JSON.stringify(executionArn)} }` },
      'events',
    );
    const events = records.flatMap((r) => {
      const record = parse(r.message) as Record<string, unknown> | undefined;
      return record && record.execution_arn === executionArn ? [fromLogRecord(record)] : [];
    });
    return { executionArn, stateMachineArn, flow: String(machine.name), type: 'EXPRESS', definition, events };
  }
  const describe = await call<Record<string, unknown>>('sfn', 'DescribeExecution', { executionArn });
  const stateMachineArn = String(describe.stateMachineArn);
  const machine = await call<Record<string, unknown>>('sfn', 'DescribeStateMachine', { stateMachineArn });
  const events = await all<WireHistoryEvent>(
    'sfn',
    'GetExecutionHistory',
    { executionArn, maxResults: 1000, includeExecutionData: true },
    'events',
  );
  return {
    executionArn,
    stateMachineArn,
    flow: String(machine.name),
    type: 'STANDARD',
    definition: parse(machine.definition),
    events,
    describe,
  };
}

/** The input an ExecutionStarted event records (absent when its flow logs without execution data). */
export function startInput(event: WireHistoryEvent | undefined): string | undefined {
  const input = event === undefined ? undefined : detailsOf(event).input;
  return typeof input === 'string' ? input : undefined;
}

function parse(text: unknown): unknown {
  try {
    return typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function logGroupOf(config: unknown): string | undefined {
  const c = config as { level?: string; destinations?: { cloudWatchLogsLogGroup?: { logGroupArn?: string } }[] } | undefined;
  if (c?.level === undefined || c.level === 'OFF') return undefined;
  const arn = c.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn;
  return arn === undefined ? undefined : /:log-group:([^:]+)/.exec(arn)?.[1];
}
