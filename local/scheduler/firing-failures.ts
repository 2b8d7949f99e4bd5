import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ScheduleFailure } from '../../clients/read-api-contract.js';
import { parseArn } from '../names/arn.js';
import type { ScheduleTarget } from './definitions.js';
import { iso } from './schedule-expression.js';
import type { InvocationRow } from './schedule-store.js';

/** Why an attempt of a firing failed, as the target (or IAM) answered. */
export interface AttemptFailure {
  readonly errorCode: string;
  readonly errorMessage: string;
}

/**
 * What became of the firings whose target refused the call, where an operator looks: the dev
 * log and the schedules whose last firing failed, one row each (the read API's
 * `/schedule-failures`, which `switchyard failures` and the console list). A row is written at
 * each failed attempt and when the firing is dead-lettered or dropped, and removed when a
 * firing of the schedule at least as recent succeeds; a failure of an older firing (still
 * retrying) does not replace a newer firing's. In the scheduler's database, so a failure is
 * still listed after a restart.
 */
export class FiringFailures {
  readonly #statements: Record<'save' | 'clear' | 'get' | 'all', StatementSync>;

  constructor(
    db: DatabaseSync,
    private readonly log: (line: string) => void,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schedule_failures (
        schedule_arn TEXT PRIMARY KEY, scheduled_time INTEGER NOT NULL, failed_at INTEGER NOT NULL, failure TEXT NOT NULL);
    `);
    this.#statements = {
      save: db.prepare(
        `INSERT INTO schedule_failures (schedule_arn, scheduled_time, failed_at, failure) VALUES (?, ?, ?, ?)
         ON CONFLICT (schedule_arn) DO UPDATE SET scheduled_time = excluded.scheduled_time, failed_at = excluded.failed_at, failure = excluded.failure
         WHERE excluded.scheduled_time >= schedule_failures.scheduled_time`,
      ),
      clear: db.prepare('DELETE FROM schedule_failures WHERE schedule_arn = ? AND scheduled_time <= ?'),
      get: db.prepare('SELECT failure FROM schedule_failures WHERE schedule_arn = ?'),
      all: db.prepare('SELECT failure FROM schedule_failures ORDER BY failed_at DESC, schedule_arn'),
    };
  }

  /** An attempt failed and Scheduler tries again at `nextAt` under the target's RetryPolicy. */
  retrying(row: InvocationRow, target: ScheduleTarget, failure: AttemptFailure, attempt: number, now: number, nextAt: number): void {
    this.#save(row, now, {
      ...this.#base(row, target, failure, attempt, now),
      fate: 'retrying',
      nextAttemptAt: new Date(nextAt).toISOString(),
    });
    // Said at the first failure: the retries may go on for a day (185 by default) before the firing is dead-lettered or dropped.
    // The next attempt to the millisecond: the first retry comes within a second of the failure.
    if (attempt === 1) {
      this.log(
        `schedule ${nameOf(row)}: the firing for ${iso(row.scheduled_time)} failed (${failure.errorCode}: ${failure.errorMessage}); retried under its RetryPolicy, next at ${new Date(nextAt).toISOString()} (in ${seconds(nextAt - now)})`,
      );
    }
  }

  /** The firing's dead-letter queue refused it: kept, and sent again at `nextAt` (Scheduler would drop it). */
  deadLetterRefused(row: InvocationRow, target: ScheduleTarget, failure: AttemptFailure, now: number, nextAt: number): void {
    this.#save(row, now, {
      ...this.#base(row, target, failure, row.attempts, now),
      fate: 'retrying',
      nextAttemptAt: new Date(nextAt).toISOString(),
    });
  }

  /** The firing's retries are spent (or it is not retried): sent to its dead-letter queue, or dropped when it has none. */
  gaveUp(
    row: InvocationRow,
    target: ScheduleTarget,
    failure: AttemptFailure & { readonly exhausted?: string },
    now: number,
    deadLetterQueueArn: string | undefined,
  ): void {
    const attempts = row.attempts + 1;
    const base = this.#base(row, target, failure, attempts, now);
    const exhausted = failure.exhausted === undefined ? {} : { exhaustedRetryCondition: failure.exhausted };
    const why = `${failure.errorCode}: ${failure.errorMessage}`;
    if (deadLetterQueueArn) {
      this.#save(row, now, { ...base, ...exhausted, fate: 'dead-lettered', deadLetterQueueArn });
      this.log(
        `schedule ${nameOf(row)}: the firing for ${iso(row.scheduled_time)} failed ${attempts} times (${why}); sent to ${deadLetterQueueArn}`,
      );
    } else {
      this.#save(row, now, { ...base, ...exhausted, fate: 'dropped' });
      this.log(
        `schedule ${nameOf(row)}: the firing for ${iso(row.scheduled_time)} dropped after ${attempts} attempts (${why}); the schedule has no dead-letter queue`,
      );
    }
  }

  /** The firing's target accepted attempt `attempt`: the schedule's failure of this firing or an older one is over, and the log says so. */
  succeeded(row: InvocationRow, attempt: number): void {
    const previous = this.#statements.get.get(row.schedule_arn) as { failure: string } | undefined;
    const cleared = Number(this.#statements.clear.run(row.schedule_arn, row.scheduled_time).changes) > 0;
    if (attempt > 1) {
      this.log(
        `schedule ${nameOf(row)}: the firing for ${iso(row.scheduled_time)} succeeded at attempt ${attempt}, after ${attempt - 1} failed`,
      );
    } else if (cleared && previous) {
      const failed = JSON.parse(previous.failure) as ScheduleFailure;
      this.log(
        `schedule ${nameOf(row)}: the firing for ${iso(row.scheduled_time)} succeeded; the firing for ${failed.scheduledTime} had ${failed.fate === 'retrying' ? 'failed' : failed.fate}`,
      );
    }
  }

  /** Every schedule whose last firing failed, latest failure first. */
  all(): ScheduleFailure[] {
    return (this.#statements.all.all() as { failure: string }[]).map((row) => JSON.parse(row.failure) as ScheduleFailure);
  }

  /** A deleted schedule's failure goes with it. */
  forget(scheduleArn: string): void {
    this.#statements.clear.run(scheduleArn, Number.MAX_SAFE_INTEGER);
  }

  #base(row: InvocationRow, target: ScheduleTarget, failure: AttemptFailure, attempts: number, now: number) {
    return {
      scheduleArn: row.schedule_arn,
      // `group/name`: the ARN's resource after `schedule/`.
      schedule: row.schedule_arn.slice(row.schedule_arn.indexOf(':schedule/') + ':schedule/'.length),
      targetArn: target.Arn,
      scheduledTime: iso(row.scheduled_time),
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      attempts,
      failedAt: new Date(now).toISOString(),
    };
  }

  #save(row: InvocationRow, now: number, failure: ScheduleFailure): void {
    this.#statements.save.run(row.schedule_arn, row.scheduled_time, now, JSON.stringify(failure));
  }
}

/** A schedule's `group/name`, from its ARN. */
function nameOf(row: InvocationRow): string {
  return parseArn(row.schedule_arn).resourceId;
}

/** A short wait, to a tenth of a second under a minute (`0.4 s`, `12.0 s`, `3 min`). */
function seconds(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}
