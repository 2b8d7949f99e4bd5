import { hash } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { executionEndStatus } from '../../clients/execution-statuses.js';
import { addMissingColumns } from '../store/added-columns.js';
import { SqlWhere } from '../store/sql-where.js';
import { inTransaction } from '../store/transaction.js';
import type { HistoryEvent } from './engine/index.js';
import {
  type ActivityTaskInput,
  type ExecutionRecord,
  executionOf,
  opt,
  optNumber,
  type Row,
  type TaskRecord,
  taskOf,
} from './execution-rows.js';

export type { ActivityTaskInput, ExecutionRecord, TaskRecord } from './execution-rows.js';

import { createHistoryTable, eventsOf, groupRow, HISTORY_SQL } from './history-table.js';

export type StateMachineType = 'STANDARD' | 'EXPRESS';
export interface StateMachineRecord {
  arn: string;
  name: string;
  type: StateMachineType;
  definition: string;
  roleArn: string;
  /** JSON text of the LoggingConfiguration as given. */
  loggingConfiguration?: string;
  /** JSON text of the TracingConfiguration as given. */
  tracingConfiguration?: string;
  description?: string;
  /** Epoch ms. */
  creationDate: number;
  updateDate?: number;
  revisionId?: string;
}

/** The version or alias ListExecutions narrows to. */
export interface StartedWith {
  readonly version?: string;
  readonly alias?: string;
}

export interface ExecutionPageCursor {
  startDate: number;
  arn: string;
}

/**
 * An execution's row with the definition it started with: a row of this version names it in
 * sfn_definitions (`definition_id`, its own `definition` empty), a row of an earlier version
 * holds it. Each row held its definition's text: a Pass chain's 1.2 KB, half the row, and
 * the definitions of real applications are larger still, written again for every execution.
 */
const EXECUTION_ROWS = `SELECT *, CASE WHEN definition_id IS NULL THEN definition
    ELSE (SELECT text FROM sfn_definitions WHERE id = definition_id) END AS started_definition FROM sfn_executions`;

/** The store's statements, prepared once. */
const SQL = {
  putMachine: `INSERT INTO sfn_state_machines (arn, name, type, definition, role_arn, logging, tracing, description, created_at, updated_at, revision_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (arn) DO UPDATE SET name = excluded.name, type = excluded.type, definition = excluded.definition,
           role_arn = excluded.role_arn, logging = excluded.logging, tracing = excluded.tracing, description = excluded.description,
           updated_at = excluded.updated_at, revision_id = excluded.revision_id`,
  deleteMachine: 'DELETE FROM sfn_state_machines WHERE arn = ?',
  machines: 'SELECT * FROM sfn_state_machines ORDER BY name',
  insertExecution: `INSERT INTO sfn_executions (arn, state_machine_arn, state_machine_name, name, status, definition, definition_id, role_arn,
           input, start_date, redrive_count, trace_header, parent_arn, fork_start, version_arn, alias_arn)
           VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  putDefinition: 'INSERT INTO sfn_definitions (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING',
  definitionId: 'SELECT id FROM sfn_definitions WHERE hash = ?',
  forks: `${EXECUTION_ROWS} WHERE parent_arn = ? ORDER BY start_date, arn`,
  execution: `${EXECUTION_ROWS} WHERE arn = ?`,
  stored: 'SELECT 1 FROM sfn_executions WHERE arn = ?',
  running: `${EXECUTION_ROWS} WHERE status = 'RUNNING' ORDER BY start_date`,
  finish: 'UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ? WHERE arn = ?',
  redrive:
    "UPDATE sfn_executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stop_date = NULL, redrive_count = redrive_count + 1, redrive_date = ? WHERE arn = ?",
  ...HISTORY_SQL,
  task: 'SELECT * FROM sfn_tasks WHERE key = ?',
  insertTask: `INSERT OR IGNORE INTO sfn_tasks (key, execution_arn, kind, status, submitted, created_at, updated_at, activity_arn, input)
           VALUES (?, ?, ?, 'WAITING', 0, ?, ?, ?, ?)`,
  unclaimed:
    "SELECT key FROM sfn_tasks WHERE activity_arn = ? AND kind = 'activity' AND status = 'WAITING' AND submitted = 0 ORDER BY created_at, key LIMIT 1",
  claim: "UPDATE sfn_tasks SET submitted = 1, response = ?, updated_at = ? WHERE key = ? AND status = 'WAITING' AND submitted = 0",
  reopenTask: "UPDATE sfn_tasks SET status = 'WAITING', submitted = 0, response = NULL, updated_at = ? WHERE key = ? AND status = 'CLOSED'",
  submitTask: 'UPDATE sfn_tasks SET submitted = 1, response = ?, updated_at = ? WHERE key = ?',
  completeTask: "UPDATE sfn_tasks SET status = ?, output = ?, error = ?, cause = ?, updated_at = ? WHERE key = ? AND status = 'WAITING'",
  deleteSubmissions: "DELETE FROM sfn_tasks WHERE execution_arn = ? AND kind = 'submission'",
  closeTasks: "UPDATE sfn_tasks SET status = 'CLOSED', updated_at = ? WHERE execution_arn = ? AND status = 'WAITING'",
};

/**
 * Step Functions' durable state in one SQLite database: state machines, executions,
 * every history event of STANDARD executions (written as it is emitted, with the
 * execution's final status in the same transaction as its terminal event, and what it
 * waited on closed) and the tasks executions wait on.
 */
export class ExecutionStore {
  readonly #db: DatabaseSync;
  readonly #s: Record<keyof typeof SQL, StatementSync>;
  readonly #queued: Queued[] = [];
  /** The ARNs of executions queued for the next group commit, not yet stored. */
  readonly #pending = new Set<string>();
  /** What the group commits wrote of the executions that ended in them, until `ended` takes it. */
  readonly #ends = new Map<string, ExecutionEnd>();
  /** The id in sfn_definitions of each definition text an execution was stored with (committed). */
  readonly #definitionIds = new Map<string, number>();
  #commit: Promise<void> | undefined;

  constructor(db: DatabaseSync) {
    this.#db = db;
    // The indexes take new entries at their end: by machine in ascending start order (ListExecutions
    // reads it backwards; descending, every start was put in the middle and split pages), and the
    // running executions alone (an execution's entry goes in its start's commit and out in its
    // end's, where an index of every status took the status changes of all of them).
    db.exec(`
      CREATE TABLE IF NOT EXISTS sfn_state_machines (
        arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
        logging TEXT, tracing TEXT, description TEXT, created_at INTEGER NOT NULL, updated_at INTEGER, revision_id TEXT);
      CREATE TABLE IF NOT EXISTS sfn_executions (
        arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, state_machine_name TEXT NOT NULL, name TEXT NOT NULL,
        status TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT,
        cause TEXT, start_date INTEGER NOT NULL, stop_date INTEGER, redrive_count INTEGER NOT NULL DEFAULT 0,
        redrive_date INTEGER, trace_header TEXT);
      DROP INDEX IF EXISTS sfn_executions_by_machine;
      CREATE INDEX IF NOT EXISTS sfn_executions_by_machine_start ON sfn_executions (state_machine_arn, start_date, arn);
      DROP INDEX IF EXISTS sfn_executions_by_status;
      CREATE INDEX IF NOT EXISTS sfn_executions_running ON sfn_executions (start_date) WHERE status = 'RUNNING';
      CREATE TABLE IF NOT EXISTS sfn_tasks (
        key TEXT PRIMARY KEY, execution_arn TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
        submitted INTEGER NOT NULL DEFAULT 0, response TEXT, output TEXT, error TEXT, cause TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS sfn_tasks_by_execution ON sfn_tasks (execution_arn);
      CREATE TABLE IF NOT EXISTS sfn_definitions (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, text TEXT NOT NULL);
    `);
    // Forks: data folders from before have none.
    addMissingColumns(db, [
      { table: 'sfn_executions', column: 'parent_arn', definition: 'TEXT' },
      { table: 'sfn_executions', column: 'fork_start', definition: 'TEXT' },
      // Versions and aliases, and activity tasks: data folders from before have none.
      { table: 'sfn_executions', column: 'version_arn', definition: 'TEXT' },
      { table: 'sfn_executions', column: 'alias_arn', definition: 'TEXT' },
      { table: 'sfn_tasks', column: 'activity_arn', definition: 'TEXT' },
      { table: 'sfn_tasks', column: 'input', definition: 'TEXT' },
      // Definitions kept once in sfn_definitions: rows from before hold theirs.
      { table: 'sfn_executions', column: 'definition_id', definition: 'INTEGER' },
    ]);
    createHistoryTable(db);
    db.exec('CREATE INDEX IF NOT EXISTS sfn_executions_by_parent ON sfn_executions (parent_arn) WHERE parent_arn IS NOT NULL');
    db.exec(
      "CREATE INDEX IF NOT EXISTS sfn_tasks_unclaimed ON sfn_tasks (activity_arn, created_at) WHERE kind = 'activity' AND status = 'WAITING' AND submitted = 0",
    );
    this.#s = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as Record<
      keyof typeof SQL,
      StatementSync
    >;
  }

  // ---- state machines ----

  putStateMachine(m: StateMachineRecord): void {
    this.#s.putMachine.run(
      m.arn,
      m.name,
      m.type,
      m.definition,
      m.roleArn,
      m.loggingConfiguration ?? null,
      m.tracingConfiguration ?? null,
      m.description ?? null,
      m.creationDate,
      m.updateDate ?? null,
      m.revisionId ?? null,
    );
  }

  deleteStateMachine(arn: string): void {
    this.#s.deleteMachine.run(arn);
  }

  stateMachines(): StateMachineRecord[] {
    return this.#all('machines').map((r) => ({
      arn: r.arn as string,
      name: r.name as string,
      type: r.type as StateMachineType,
      definition: r.definition as string,
      roleArn: r.role_arn as string,
      loggingConfiguration: opt(r.logging),
      tracingConfiguration: opt(r.tracing),
      description: opt(r.description),
      creationDate: r.created_at as number,
      updateDate: optNumber(r.updated_at),
      revisionId: opt(r.revision_id),
    }));
  }

  // ---- executions ----

  /**
   * Queues a new execution for the next group commit; false when one with this ARN is
   * stored or queued already. `startedBy` is the task of another execution that starts it:
   * its submission, answered `response`, is recorded in the same transaction, so a resumed
   * task finds the child it started. The first events the execution's engine emits join
   * that transaction too, so a start costs no commit of its own (one wrote about 7 pages of
   * log); `committed()` tells when it is stored, and no read finds it before. `generatedName`:
   * the execution's name is a random UUID the service made for it.
   */
  queueExecution(e: ExecutionRecord, startedBy?: StartedBy, options: { generatedName?: boolean } = {}): boolean {
    if (this.#pending.has(e.arn)) return false;
    // A name the service made (a random UUID) is no stored execution's: the lookup (a read
    // transaction of its own, a tenth of a one-task execution's CPU) is for names given.
    if (!options.generatedName && this.#s.stored.get(e.arn)) return false;
    this.#pending.add(e.arn);
    this.#enqueue({ execution: e, startedBy });
    return true;
  }

  #insertStarted(e: ExecutionRecord, startedBy: StartedBy | undefined): void {
    this.#insertExecution(e);
    if (!startedBy) return;
    this.#s.insertTask.run(startedBy.key, startedBy.executionArn, 'submission', e.startDate, e.startDate);
    this.#s.submitTask.run(JSON.stringify(startedBy.response), e.startDate, startedBy.key);
  }

  #insertExecution(e: ExecutionRecord): boolean {
    const result = this.#s.insertExecution.run(
      e.arn,
      e.stateMachineArn,
      e.stateMachineName,
      e.name,
      e.status,
      this.#definitionId(e.definition),
      e.roleArn,
      e.input,
      e.startDate,
      e.traceHeader ?? null,
      e.parentArn ?? null,
      e.forkStart ?? null,
      e.stateMachineVersionArn ?? null,
      e.stateMachineAliasArn ?? null,
    );
    return (result?.changes ?? 0) > 0;
  }

  /** The id of a definition's text in sfn_definitions, stored there by the transaction open now if it is not yet. */
  #definitionId(text: string): number {
    const known = this.#definitionIds.get(text);
    if (known !== undefined) return known;
    const key = hash('sha256', text, 'hex');
    this.#s.putDefinition.run(key, text);
    const id = (this.#s.definitionId.get(key) as Row | undefined)?.id;
    if (typeof id !== 'number') throw new DefinitionNotStored(key);
    this.#definitionIds.set(text, id);
    return id;
  }

  execution(arn: string): ExecutionRecord | undefined {
    const row = this.#s.execution.get(arn) as Row | undefined;
    return row ? executionOf(row) : undefined;
  }

  /** The forks of an execution, oldest first. */
  forks(parentArn: string): ExecutionRecord[] {
    return (this.#s.forks.all(parentArn) as Row[]).map(executionOf);
  }

  runningExecutions(): ExecutionRecord[] {
    return this.#all('running').map(executionOf);
  }

  /** Executions of a machine (of one of its versions or aliases, when `started` names one), newest first, after `cursor`. */
  listExecutions(
    stateMachineArn: string,
    options: { status?: string; redriven?: boolean; after?: ExecutionPageCursor; limit: number; started?: StartedWith },
  ): ExecutionRecord[] {
    const where = new SqlWhere()
      .and('state_machine_arn = ?', stateMachineArn)
      .given(options.started?.version, 'version_arn = ?')
      .given(options.started?.alias, 'alias_arn = ?')
      .given(options.status || undefined, 'status = ?')
      .given(options.redriven, options.redriven ? 'redrive_count > 0' : 'redrive_count = 0', () => [])
      .given(options.after, '(start_date < ? OR (start_date = ? AND arn < ?))', (after) => [after.startDate, after.startDate, after.arn]);
    const sql = `${EXECUTION_ROWS} ${where.clause} ORDER BY start_date DESC, arn DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...where.values, options.limit) as Row[]).map(executionOf);
  }

  /** Appends a history event; a terminal event records the execution's outcome in the same transaction. */
  appendEvent(executionArn: string, event: HistoryEvent): void {
    this.#transaction(() => this.#appendGroup(executionArn, [event]));
  }

  /**
   * Queues a history event for the next group commit (one transaction for every event
   * queued in the same turn of the event loop, across executions); `committed()` tells
   * when it is stored.
   */
  queueEvent(executionArn: string, event: HistoryEvent): void {
    this.#enqueue({ executionArn, event });
  }

  #enqueue(item: Queued): void {
    this.#queued.push(item);
    this.#commit ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#commit = undefined;
        const batch = this.#queued.splice(0);
        try {
          this.#transaction(() => this.#write(batch));
          resolve();
        } catch (error) {
          reject(error);
        } finally {
          for (const item of batch) if ('execution' in item) this.#pending.delete(item.execution.arn);
        }
      });
    });
  }

  /** Writes a group commit: new executions first (their events' rows read their start date), then each execution's events as one row. */
  #write(batch: readonly Queued[]): void {
    const groups = new Map<string, HistoryEvent[]>();
    for (const item of batch) {
      if ('execution' in item) {
        this.#insertStarted(item.execution, item.startedBy);
        continue;
      }
      const group = groups.get(item.executionArn);
      if (group) group.push(item.event);
      else groups.set(item.executionArn, [item.event]);
    }
    for (const [executionArn, events] of groups) {
      const end = this.#appendGroup(executionArn, events);
      if (end) this.#ends.set(executionArn, end);
    }
  }

  /**
   * An execution as it ended, given its record as it ran: from what the group commit that
   * ended it wrote, without reading the row back (a read transaction and the row, a
   * twentieth of a Pass chain's CPU), or from the store if no group commit here ended it.
   */
  ended(record: ExecutionRecord): ExecutionRecord | undefined {
    const end = this.#ends.get(record.arn);
    if (!end) return this.execution(record.arn);
    this.#ends.delete(record.arn);
    return { ...record, ...end };
  }

  /** Resolves once every queued event is committed. */
  committed(): Promise<void> {
    return this.#commit ?? Promise.resolve();
  }

  /**
   * Appends one execution's events, in order, as one row; a terminal event among them records
   * the execution's outcome, which this returns.
   */
  #appendGroup(executionArn: string, events: readonly HistoryEvent[]): ExecutionEnd | undefined {
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last) return undefined;
    const row = groupRow(events);
    this.#s.appendEvents.run(executionArn, first.id, last.id, row.events, row.payloads);
    let end: ExecutionEnd | undefined;
    for (const event of events) end = this.#recordEnd(executionArn, event) ?? end;
    return end;
  }

  #recordEnd(executionArn: string, event: HistoryEvent): ExecutionEnd | undefined {
    const status = executionEndStatus(event.type);
    if (!status) return undefined;
    const key = Object.keys(event).find((k) => k.endsWith('EventDetails'));
    // DescribeExecution of a timed-out execution has no error nor cause (AWS's recorded answers): only its event says why.
    const details = (key && status !== 'TIMED_OUT' ? event[key] : undefined) as Record<string, unknown> | undefined;
    const end: ExecutionEnd = {
      status,
      output: typeof details?.output === 'string' ? details.output : undefined,
      error: typeof details?.error === 'string' ? details.error : undefined,
      cause: typeof details?.cause === 'string' ? details.cause : undefined,
      stopDate: event.timestamp,
    };
    this.#s.finish.run(end.status, end.output ?? null, end.error ?? null, end.cause ?? null, end.stopDate, executionArn);
    // What it waited on is closed with its end, so late callbacks are refused; tokens stay, to
    // refuse them as AWS does, and submissions only matter to a resumed run.
    this.#s.closeTasks.run(event.timestamp, executionArn);
    this.#s.deleteSubmissions.run(executionArn);
    return end;
  }

  history(executionArn: string): HistoryEvent[] {
    return eventsOf(this.#s.history.all(executionArn) as Row[]);
  }

  lastEventId(executionArn: string): number {
    return ((this.#s.lastEventId.get(executionArn) as Row | undefined)?.id as number | null) ?? 0;
  }

  /** Reopens a closed execution for RedriveExecution, recording the ExecutionRedriven event with it. */
  redrive(executionArn: string, event: HistoryEvent): void {
    this.#transaction(() => {
      const row = groupRow([event]);
      this.#s.appendEvents.run(executionArn, event.id, event.id, row.events, row.payloads);
      this.#s.redrive.run(event.timestamp, executionArn);
    });
  }

  // ---- tasks ----

  task(key: string): TaskRecord | undefined {
    const row = this.#s.task.get(key) as Row | undefined;
    return row ? taskOf(row) : undefined;
  }

  /** Records a task as waiting unless it is recorded already; returns the record. */
  openTask(key: string, executionArn: string, kind: TaskRecord['kind'], now: number, activity?: ActivityTaskInput): TaskRecord {
    this.#s.insertTask.run(key, executionArn, kind, now, now, activity?.activityArn ?? null, activity?.input ?? null);
    return this.task(key) as TaskRecord;
  }

  /**
   * Hands the oldest activity task no worker has claimed yet to a worker (`response` says
   * which); undefined when there is none. The claim is one conditional update, so two
   * workers polling at once never get the same task.
   */
  claimActivityTask(activityArn: string, response: unknown, now: number): TaskRecord | undefined {
    for (;;) {
      const row = this.#s.unclaimed.get(activityArn) as Row | undefined;
      if (!row) return undefined;
      const key = row.key as string;
      if ((this.#s.claim.run(JSON.stringify(response), now, key).changes ?? 0) > 0) return this.task(key);
    }
  }

  /** Opens a closed task again, as not submitted: the engine is running it after all. */
  reopenTask(key: string, now: number): TaskRecord | undefined {
    this.#s.reopenTask.run(now, key);
    return this.task(key);
  }

  markSubmitted(key: string, response: unknown, now: number): void {
    this.#s.submitTask.run(response === undefined ? null : JSON.stringify(response), now, key);
  }

  /** Settles a waiting task; false when it was not waiting any more. */
  completeTask(
    key: string,
    status: Exclude<TaskRecord['status'], 'WAITING'>,
    outcome: { output?: string; error?: string; cause?: string },
    now: number,
  ): boolean {
    const result = this.#s.completeTask.run(status, outcome.output ?? null, outcome.error ?? null, outcome.cause ?? null, now, key);
    return (result?.changes ?? 0) > 0;
  }

  #all(name: 'machines' | 'running'): Row[] {
    return this.#s[name].all() as Row[];
  }

  #transaction(fn: () => void): void {
    try {
      inTransaction(this.#db, fn);
    } catch (error) {
      // Rolled back: a definition it stored is not stored, an end it wrote not written.
      this.#definitionIds.clear();
      this.#ends.clear();
      throw error;
    }
  }
}

/** A definition an execution was stored with is not in sfn_definitions right after it was put there. */
export class DefinitionNotStored extends Error {
  override readonly name = 'DefinitionNotStored';
  constructor(readonly hash: string) {
    super(`The state machine definition ${hash} (SHA-256) was not stored in sfn_definitions: the execution is not started`);
  }
}

/** The task of another execution that starts one: its submission is recorded with the execution it started. */
interface StartedBy {
  readonly key: string;
  readonly executionArn: string;
  readonly response: unknown;
}

/** What an execution's row holds once it has ended. */
type ExecutionEnd = Required<Pick<ExecutionRecord, 'status' | 'stopDate'>> & Pick<ExecutionRecord, 'output' | 'error' | 'cause'>;

/** What the next group commit writes, in the order it was queued. */
type Queued = { executionArn: string; event: HistoryEvent } | { execution: ExecutionRecord; startedBy: StartedBy | undefined };
