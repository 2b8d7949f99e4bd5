import { randomUUID } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { type FiringPlan, nextFiring, parseScheduleExpression } from '../scheduler/schedule-expression.js';
import type { ServiceState } from '../store/service-state.js';
import { systemClock, wakeAfter } from '../time/clock.js';
import type { EventEnvelope, RuleDefinition } from './definitions.js';
import { isEnabled } from './rule-store.js';
import { isoSeconds } from './time.js';

/**
 * EventBridge invokes with one minute of precision; a firing missed while the runtime was
 * stopped still runs at start within that minute, and is skipped (and logged) after it:
 * scheduled rules have no flexible window and EventBridge does not back-fill.
 */
const PRECISION_MS = 60_000;
const MAX_SLEEP_MS = 60_000;

export interface ScheduledRulesOptions extends ServiceState {
  /** The rules as they are now (scheduled rules only run on the default bus). */
  readonly rules: () => readonly RuleDefinition[];
  /** Records the event for each of the rule's targets, in the caller's transaction (the outbox). */
  readonly deliver: (rule: RuleDefinition, event: EventEnvelope) => void;
  /** Hands the recorded deliveries to the outbox after the commit. */
  readonly delivered: () => void;
  readonly log?: (line: string) => void;
}

/**
 * Fires rules that have a `ScheduleExpression` (cron or rate, in UTC) while the runtime
 * runs: each firing is a `Scheduled Event` from `aws.events`, with the scheduled time as
 * its `time` and the rule's ARN in `resources`, sent to that rule's targets only. How far
 * each rule has fired is committed with its deliveries, so a restart neither repeats nor
 * loses a firing.
 */
export class ScheduledRules {
  readonly #statements: Record<'state' | 'save', StatementSync>;
  #timer?: { cancel(): void };
  #running = false;

  constructor(private readonly options: ScheduledRulesOptions) {
    options.db.exec(`CREATE TABLE IF NOT EXISTS rule_schedule_state (
      arn TEXT PRIMARY KEY, expression TEXT NOT NULL, created_at INTEGER NOT NULL, handled_until INTEGER NOT NULL)`);
    this.#statements = {
      state: options.db.prepare('SELECT expression, created_at, handled_until FROM rule_schedule_state WHERE arn = ?'),
      save: options.db.prepare(
        'INSERT OR REPLACE INTO rule_schedule_state (arn, expression, created_at, handled_until) VALUES (?, ?, ?, ?)',
      ),
    };
  }

  start(): void {
    this.#running = true;
    this.runDue(true);
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
  }

  /** Fires every scheduled rule that is due on the clock now (at start, only the latest missed firing within the minute). */
  runDue(catchUp = false): void {
    const now = this.options.clock.now();
    let fired = false;
    for (const rule of this.#scheduledRules()) {
      const plan = this.#plan(rule);
      if (!plan) continue;
      const { firingPlan, state } = plan;
      const first = nextFiring(firingPlan, state.handledUntil);
      if (first === undefined || first > now) continue;
      const oldest = now - PRECISION_MS;
      const due: number[] = [];
      for (
        let t = nextFiring(firingPlan, Math.max(state.handledUntil, oldest - 1));
        t !== undefined && t <= now;
        t = nextFiring(firingPlan, t)
      ) {
        due.push(t);
      }
      if (first < oldest) {
        this.options.log?.(
          `rule ${rule.name}: scheduled firings from ${isoSeconds(first)} to before ${isoSeconds(oldest)} were missed (the runtime was not running, or the rule was disabled) and are past EventBridge's minute; not fired`,
        );
      }
      const firings = catchUp ? due.slice(-1) : due;
      this.options.db.exec('BEGIN');
      try {
        for (const time of firings) this.options.deliver(rule, this.#event(rule, time));
        this.#statements.save.run(rule.arn, state.expression, state.createdAt, now);
        this.options.db.exec('COMMIT');
      } catch (error) {
        this.options.db.exec('ROLLBACK');
        throw error;
      }
      fired ||= firings.length > 0;
    }
    if (fired) this.options.delivered();
    this.#arm();
  }

  /** The next firing of each enabled scheduled rule, for the start-up report. */
  outlook(): { name: string; expression: string; next?: number }[] {
    return this.#scheduledRules().map((rule) => {
      const plan = this.#plan(rule);
      return {
        name: rule.name,
        expression: rule.scheduleExpression ?? '',
        ...(plan ? { next: nextFiring(plan.firingPlan, plan.state.handledUntil) } : {}),
      };
    });
  }

  #scheduledRules(): RuleDefinition[] {
    return this.options.rules().filter((rule) => rule.scheduleExpression !== undefined && isEnabled(rule));
  }

  #plan(rule: RuleDefinition) {
    const text = rule.scheduleExpression ?? '';
    let expression: FiringPlan['expression'];
    try {
      expression = parseScheduleExpression(text, { dialect: 'rule' });
    } catch {
      return undefined; // Refused by PutRule; the template loader reports a bad template expression.
    }
    let row = this.#statements.state.get(rule.arn) as { expression: string; created_at: number; handled_until: number } | undefined;
    if (!row || row.expression !== text) {
      // A new rule (or a changed expression) starts now: a rate counts from here, nothing is owed
      // before, and the creation instant itself is not a firing: EventBridge first runs a
      // rate(2 minutes) rule about two minutes after it is created, not at once.
      const now = this.options.clock.now();
      row = { expression: text, created_at: now, handled_until: now };
      this.#statements.save.run(rule.arn, text, now, now);
    }
    return {
      firingPlan: { expression, timeZone: 'UTC', anchorMs: row.created_at } satisfies FiringPlan,
      state: { expression: row.expression, createdAt: row.created_at, handledUntil: row.handled_until },
    };
  }

  #event(rule: RuleDefinition, time: number): EventEnvelope {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.options.accountId,
      time: isoSeconds(time),
      region: this.options.region,
      resources: [rule.arn],
      detail: {},
    };
  }

  #arm(): void {
    this.#timer?.cancel();
    if (!this.#running) return;
    const now = this.options.clock.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const rule of this.#scheduledRules()) {
      const plan = this.#plan(rule);
      const next = plan && nextFiring(plan.firingPlan, plan.state.handledUntil);
      if (next !== undefined) soonest = Math.min(soonest, next);
    }
    // Rules created through the API are picked up within a minute.
    // On a test's clock a firing wakes when the clock gets there; in real time at most a minute on. With
    // nothing to fire, a look for rules created through the API a minute on, in real time.
    const nothing = soonest === Number.POSITIVE_INFINITY;
    this.#timer = wakeAfter(
      nothing ? systemClock : this.options.clock,
      nothing ? MAX_SLEEP_MS : Math.max(0, soonest - now),
      () => {
        try {
          this.runDue();
        } catch (error) {
          // A failed pass (a full disk) is tried again at the next wake rather than ending the runtime.
          this.options.log?.(`scheduled rules: ${(error as Error).message}`);
          this.#arm();
        }
      },
      MAX_SLEEP_MS,
    );
  }
}
