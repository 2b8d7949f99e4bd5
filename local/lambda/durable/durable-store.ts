import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { DurableExecutionStatus } from '../../../clients/execution-statuses.js';
import { addMissingColumns } from '../../store/added-columns.js';
import { SqlWhere } from '../../store/sql-where.js';
import { inTransaction } from '../../store/transaction.js';
import type { ErrorObject, ExecutionRecord, ForkOf, HistoryEvent, OperationRecord } from './durable-types.js';

/**
 * Durable executions in the Lambda database: each execution, its operations (the
 * checkpoint log the SDK replays), its history events, and one row in
 * `lambda_durable_wake` per running execution saying when it is due to be looked at
 * again (a wait's end, a retry's delay, a callback's timeout, the execution's timeout;
 * now, when a callback came or a new execution started). Everything an execution owes is
 * in these tables, so a restart after SIGKILL takes every running execution up again.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS lambda_durable_execution (
  arn TEXT PRIMARY KEY,
  function_name TEXT NOT NULL,
  name TEXT NOT NULL,
  function_arn TEXT NOT NULL,
  version TEXT NOT NULL,
  input TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  timeout_at INTEGER NOT NULL,
  retention_days INTEGER NOT NULL,
  result TEXT,
  error TEXT,
  checkpoint_token TEXT,
  ready INTEGER NOT NULL DEFAULT 1,
  invoking INTEGER NOT NULL DEFAULT 0,
  updated_ids TEXT NOT NULL DEFAULT '[]',
  invocation_errors INTEGER NOT NULL DEFAULT 0,
  next_event_id INTEGER NOT NULL DEFAULT 1,
  trace_header TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS lambda_durable_execution_name ON lambda_durable_execution (function_name, name);
CREATE TABLE IF NOT EXISTS lambda_durable_operation (
  execution_arn TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  callback_id TEXT,
  body TEXT NOT NULL,
  PRIMARY KEY (execution_arn, id)
);
CREATE INDEX IF NOT EXISTS lambda_durable_operation_callback ON lambda_durable_operation (callback_id);
CREATE TABLE IF NOT EXISTS lambda_durable_event (
  execution_arn TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (execution_arn, event_id)
);
CREATE TABLE IF NOT EXISTS lambda_durable_wake (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_arn TEXT NOT NULL UNIQUE,
  function_name TEXT NOT NULL,
  due_at INTEGER NOT NULL
);
`;

/** A row of `lambda_durable_wake`, as the outbox hands it over. */
export interface WakeRow {
  readonly seq: number;
  readonly execution_arn: string;
  readonly function_name: string;
  readonly due_at: number;
}

interface ExecutionRow {
  arn: string;
  function_name: string;
  name: string;
  function_arn: string;
  version: string;
  input: string;
  status: string;
  started_at: number;
  ended_at: number | null;
  timeout_at: number;
  retention_days: number;
  result: string | null;
  error: string | null;
  checkpoint_token: string | null;
  ready: number;
  invoking: number;
  updated_ids: string;
  invocation_errors: number;
  trace_header: string | null;
  parent_arn: string | null;
  fork_from: string | null;
  fork_effects: string | null;
}

export interface ExecutionFilter {
  readonly functionName: string;
  readonly version?: string;
  readonly name?: string;
  readonly statuses?: readonly string[];
  readonly startedAfter?: number;
  readonly startedBefore?: number;
  readonly reverse?: boolean;
}

type StatementName =
  | 'get'
  | 'byName'
  | 'insert'
  | 'operations'
  | 'operation'
  | 'operationCount'
  | 'byCallback'
  | 'upsertOperation'
  | 'nextEventId'
  | 'insertEvent'
  | 'events'
  | 'expired'
  | 'deleteExecution'
  | 'deleteOperations'
  | 'deleteEvents'
  | 'deleteWake'
  | 'wakeDue'
  | 'wakeSooner'
  | 'interrupted'
  | 'runningFunctions'
  | 'forks';

export class DurableStore {
  readonly #s: Record<StatementName, StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
    // Forks (forks.ts): data folders from before have none.
    addMissingColumns(db, [
      { table: 'lambda_durable_execution', column: 'parent_arn', definition: 'TEXT' },
      { table: 'lambda_durable_execution', column: 'fork_from', definition: 'TEXT' },
      { table: 'lambda_durable_execution', column: 'fork_effects', definition: 'TEXT' },
    ]);
    db.exec(
      'CREATE INDEX IF NOT EXISTS lambda_durable_execution_by_parent ON lambda_durable_execution (parent_arn) WHERE parent_arn IS NOT NULL',
    );
    this.#s = {
      get: db.prepare('SELECT * FROM lambda_durable_execution WHERE arn = ?'),
      byName: db.prepare('SELECT * FROM lambda_durable_execution WHERE function_name = ? AND name = ?'),
      insert: db.prepare(
        `INSERT INTO lambda_durable_execution (arn, function_name, name, function_arn, version, input, status, started_at, timeout_at, retention_days, trace_header,
           parent_arn, fork_from, fork_effects)
         VALUES (?, ?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?)`,
      ),
      operations: db.prepare('SELECT body FROM lambda_durable_operation WHERE execution_arn = ? ORDER BY seq'),
      operation: db.prepare('SELECT body FROM lambda_durable_operation WHERE execution_arn = ? AND id = ?'),
      operationCount: db.prepare('SELECT COUNT(*) AS n FROM lambda_durable_operation WHERE execution_arn = ?'),
      byCallback: db.prepare('SELECT execution_arn, body FROM lambda_durable_operation WHERE callback_id = ?'),
      upsertOperation: db.prepare(
        `INSERT INTO lambda_durable_operation (execution_arn, id, seq, callback_id, body) VALUES (?, ?,
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM lambda_durable_operation WHERE execution_arn = ?), ?, ?)
         ON CONFLICT (execution_arn, id) DO UPDATE SET body = excluded.body, callback_id = COALESCE(excluded.callback_id, callback_id)`,
      ),
      nextEventId: db.prepare(
        'UPDATE lambda_durable_execution SET next_event_id = next_event_id + 1 WHERE arn = ? RETURNING next_event_id - 1 AS id',
      ),
      insertEvent: db.prepare('INSERT INTO lambda_durable_event (execution_arn, event_id, body) VALUES (?, ?, ?)'),
      events: db.prepare('SELECT body FROM lambda_durable_event WHERE execution_arn = ? ORDER BY event_id'),
      expired: db.prepare(
        "SELECT arn FROM lambda_durable_execution WHERE status <> 'RUNNING' AND ended_at + retention_days * 86400000 < ?",
      ),
      deleteExecution: db.prepare('DELETE FROM lambda_durable_execution WHERE arn = ?'),
      deleteOperations: db.prepare('DELETE FROM lambda_durable_operation WHERE execution_arn = ?'),
      deleteEvents: db.prepare('DELETE FROM lambda_durable_event WHERE execution_arn = ?'),
      deleteWake: db.prepare('DELETE FROM lambda_durable_wake WHERE execution_arn = ?'),
      wakeDue: db.prepare('SELECT due_at FROM lambda_durable_wake WHERE execution_arn = ?'),
      wakeSooner: db.prepare('UPDATE lambda_durable_wake SET due_at = MIN(due_at, ?) WHERE execution_arn = ?'),
      interrupted: db.prepare(
        "UPDATE lambda_durable_execution SET ready = 1, invoking = 0 WHERE status = 'RUNNING' AND invoking = 1 RETURNING arn",
      ),
      runningFunctions: db.prepare("SELECT DISTINCT function_name FROM lambda_durable_execution WHERE status = 'RUNNING'"),
      forks: db.prepare('SELECT * FROM lambda_durable_execution WHERE parent_arn = ? ORDER BY started_at, arn'),
    };
  }

  transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  get(arn: string): ExecutionRecord | undefined {
    const row = this.#s.get.get(arn) as ExecutionRow | undefined;
    return row && toRecord(row);
  }

  byName(functionName: string, name: string): ExecutionRecord | undefined {
    const row = this.#s.byName.get(functionName, name) as ExecutionRow | undefined;
    return row && toRecord(row);
  }

  insert(e: {
    arn: string;
    functionName: string;
    name: string;
    functionArn: string;
    version: string;
    input: string;
    startedAt: number;
    timeoutAt: number;
    retentionDays: number;
    traceHeader?: string;
    fork?: ForkOf;
  }): void {
    this.#s.insert.run(
      e.arn,
      e.functionName,
      e.name,
      e.functionArn,
      e.version,
      e.input,
      e.startedAt,
      e.timeoutAt,
      e.retentionDays,
      e.traceHeader ?? null,
      e.fork?.parent ?? null,
      e.fork?.from ?? null,
      e.fork?.effects ?? null,
    );
  }

  /** Writes some of an execution's columns. */
  update(arn: string, set: Partial<Record<keyof ExecutionRow, SQLInputValue>>): void {
    const columns = Object.keys(set);
    if (columns.length === 0) return;
    this.db
      .prepare(`UPDATE lambda_durable_execution SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE arn = ?`)
      .run(...Object.values(set).map((v) => v ?? null), arn);
  }

  finish(arn: string, status: DurableExecutionStatus, at: number, outcome: { result?: string; error?: ErrorObject }): void {
    this.update(arn, {
      status,
      ended_at: at,
      result: outcome.result ?? null,
      error: outcome.error ? JSON.stringify(outcome.error) : null,
      checkpoint_token: null,
    });
    this.#s.deleteWake.run(arn);
  }

  /** Marks operations as changed outside an invocation: the next invocation is owed now. */
  markUpdated(arn: string, ids: readonly string[], now: number): void {
    const execution = this.get(arn);
    if (!execution) return;
    const updated = [...new Set([...execution.updatedIds, ...ids])];
    this.update(arn, { ready: 1, updated_ids: JSON.stringify(updated) });
    this.#s.wakeSooner.run(now, arn);
  }

  operations(arn: string): OperationRecord[] {
    return (this.#s.operations.all(arn) as { body: string }[]).map((r) => JSON.parse(r.body) as OperationRecord);
  }

  operation(arn: string, id: string): OperationRecord | undefined {
    const row = this.#s.operation.get(arn, id) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as OperationRecord);
  }

  operationCount(arn: string): number {
    return Number((this.#s.operationCount.get(arn) as { n: number }).n);
  }

  byCallbackId(callbackId: string): { executionArn: string; record: OperationRecord } | undefined {
    const row = this.#s.byCallback.get(callbackId) as { execution_arn: string; body: string } | undefined;
    return row && { executionArn: row.execution_arn, record: JSON.parse(row.body) as OperationRecord };
  }

  putOperation(arn: string, record: OperationRecord): void {
    this.#s.upsertOperation.run(arn, record.op.Id, arn, record.op.CallbackDetails?.CallbackId ?? null, JSON.stringify(record));
  }

  /** Appends a history event, numbered in order from 1. */
  addEvent(arn: string, event: Omit<HistoryEvent, 'EventId'>): void {
    const { id } = this.#s.nextEventId.get(arn) as { id: number };
    this.#s.insertEvent.run(arn, id, JSON.stringify({ ...event, EventId: id }));
  }

  events(arn: string): HistoryEvent[] {
    return (this.#s.events.all(arn) as { body: string }[]).map((r) => JSON.parse(r.body) as HistoryEvent);
  }

  list(filter: ExecutionFilter): ExecutionRecord[] {
    const where = new SqlWhere()
      .and('function_name = ?', filter.functionName)
      .given(filter.version, 'version = ?')
      .given(filter.name, 'name = ?')
      // No statuses named is no filter on the status.
      .in('status', filter.statuses?.length ? filter.statuses : undefined)
      .given(filter.startedAfter, 'started_at > ?')
      .given(filter.startedBefore, 'started_at < ?');
    const order = filter.reverse ? 'ASC' : 'DESC';
    const rows = this.db
      .prepare(`SELECT * FROM lambda_durable_execution ${where.clause} ORDER BY started_at ${order}, arn ${order}`)
      .all(...where.values) as unknown as ExecutionRow[];
    return rows.map(toRecord);
  }

  /** Deletes the closed executions whose retention has passed; returns how many. */
  deleteExpired(now: number): number {
    const arns = (this.#s.expired.all(now) as { arn: string }[]).map((r) => r.arn);
    for (const arn of arns) {
      this.transaction(() => {
        this.#s.deleteOperations.run(arn);
        this.#s.deleteEvents.run(arn);
        this.#s.deleteWake.run(arn);
        this.#s.deleteExecution.run(arn);
      });
    }
    return arns.length;
  }

  /** When the execution is due to be looked at next, if it is waiting at all. */
  wakeDue(arn: string): number | undefined {
    return (this.#s.wakeDue.get(arn) as { due_at: number } | undefined)?.due_at;
  }

  /**
   * After a restart: the executions whose invocation was cut short (the process died or
   * stopped while it ran) are invoked again now.
   */
  resumeInterrupted(now: number): number {
    const arns = this.#s.interrupted.all() as { arn: string }[];
    for (const { arn } of arns) this.#s.wakeSooner.run(now, arn);
    return arns.length;
  }

  /** The executions forked from `parentArn`, oldest first. */
  forks(parentArn: string): ExecutionRecord[] {
    return (this.#s.forks.all(parentArn) as unknown as ExecutionRow[]).map(toRecord);
  }

  runningFunctionNames(): string[] {
    return (this.#s.runningFunctions.all() as { function_name: string }[]).map((r) => r.function_name);
  }
}

function toRecord(row: ExecutionRow): ExecutionRecord {
  return {
    arn: row.arn,
    functionName: row.function_name,
    name: row.name,
    functionArn: row.function_arn,
    version: row.version,
    input: row.input,
    status: row.status as DurableExecutionStatus,
    startedAt: row.started_at,
    ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
    timeoutAt: row.timeout_at,
    retentionDays: row.retention_days,
    ...(row.result === null ? {} : { result: row.result }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as ErrorObject }),
    ...(row.checkpoint_token === null ? {} : { checkpointToken: row.checkpoint_token }),
    ready: row.ready === 1,
    updatedIds: JSON.parse(row.updated_ids) as string[],
    invocationErrors: row.invocation_errors,
    ...(row.trace_header === null ? {} : { traceHeader: row.trace_header }),
    ...(row.parent_arn === null
      ? {}
      : { fork: { parent: row.parent_arn, from: row.fork_from ?? '', effects: (row.fork_effects ?? 'skip') as ForkOf['effects'] } }),
  };
}
