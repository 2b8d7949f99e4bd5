import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { JsonTable } from '../store/json-table.js';
import { TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';
import type { ScheduleDefinition, ScheduleGroupDefinition } from './definitions.js';

export interface ScheduleState {
  /** Rate schedules without a start date count from here: when the schedule (or its expression) first appeared. */
  readonly createdAt: number;
  /** Every firing at or before this time has been handled (fired, or reported as missed). */
  readonly handledUntil: number;
  /** The expression, time zone and start date this state belongs to; a change starts the schedule afresh. */
  readonly plan: string;
  /** A template schedule deleted after its last firing (`ActionAfterCompletion: DELETE`): the next start does not bring it back. */
  readonly deleted: boolean;
}

/** A firing owed to its target: a row of the invocations table, which the scheduler's outbox works through. */
export interface InvocationRow {
  readonly id: number;
  readonly schedule_arn: string;
  readonly scheduled_time: number;
  readonly target: string;
  readonly attempts: number;
  readonly first_at: number;
}

/**
 * The scheduler's durable state in SQLite: schedules created through the API, how far
 * each schedule has fired, and the firings owed to targets. A firing is written in the
 * same transaction that moves its schedule's `handled_until` past it, so a crash either
 * loses neither or has done both: a restart never fires it twice nor misses it.
 */
export class ScheduleStore {
  readonly #statements: Record<'state' | 'saveState', StatementSync>;
  /** The schedules the API created, by ARN. */
  readonly apiSchedules: JsonTable<ScheduleDefinition>;
  /** The schedule groups the API created, by name. */
  readonly apiGroups: JsonTable<ScheduleGroupDefinition>;
  /** Schedule groups' tags, by the group's ARN (a schedule group is the one resource Scheduler tags). */
  readonly tags: TagStore;

  constructor(private readonly db: DatabaseSync) {
    this.apiSchedules = new JsonTable(db, 'api_schedules', 'arn');
    this.apiGroups = new JsonTable(db, 'api_schedule_groups', 'name');
    this.tags = new TagStore(db);
    db.exec(`
      CREATE TABLE IF NOT EXISTS schedule_state (
        arn TEXT PRIMARY KEY, created_at INTEGER NOT NULL, handled_until INTEGER NOT NULL, plan TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS invocations (
        id INTEGER PRIMARY KEY, schedule_arn TEXT NOT NULL, scheduled_time INTEGER NOT NULL, target TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);
      CREATE INDEX IF NOT EXISTS invocations_due ON invocations (next_at, id);
    `);
    this.#statements = {
      state: db.prepare('SELECT created_at, handled_until, plan, deleted FROM schedule_state WHERE arn = ?'),
      saveState: db.prepare('INSERT OR REPLACE INTO schedule_state (arn, created_at, handled_until, plan, deleted) VALUES (?, ?, ?, ?, ?)'),
    };
  }

  state(arn: string): ScheduleState | undefined {
    const row = this.#statements.state.get(arn) as { created_at: number; handled_until: number; plan: string; deleted: number } | undefined;
    return row && { createdAt: row.created_at, handledUntil: row.handled_until, plan: row.plan, deleted: row.deleted === 1 };
  }

  saveState(arn: string, state: ScheduleState): void {
    this.#statements.saveState.run(arn, state.createdAt, state.handledUntil, state.plan, state.deleted ? 1 : 0);
  }

  /** Runs `work` as one transaction (a group and its tags are kept both or neither). */
  atomically<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  /** Records firings (`enqueue` writes them to the invocations table) and how far the schedule has fired, atomically. */
  recordFirings(arn: string, state: ScheduleState, enqueue: () => void) {
    this.db.exec('BEGIN');
    try {
      enqueue();
      this.saveState(arn, state);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
