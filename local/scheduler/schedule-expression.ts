/**
 * Schedule expressions as Scheduler and EventBridge rules read them, and when they fire:
 * `cron(...)` (see `cron.ts`), `rate(n unit)` and, for Scheduler only, one-time `at(...)`.
 */
import { type CronExpression, CronSyntaxError, nextCronFiring, parseCron } from './cron.js';
import { instantOf, wallClockAt } from './time-zones.js';

export type ScheduleExpression =
  | { readonly kind: 'cron'; readonly text: string; readonly cron: CronExpression }
  | { readonly kind: 'rate'; readonly text: string; readonly intervalMs: number }
  | {
      readonly kind: 'at';
      readonly text: string;
      readonly wall: { year: number; month: number; day: number; hour: number; minute: number; second: number };
    };

export class ScheduleExpressionError extends Error {}

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  // A day is 24 hours whatever the clocks do: Scheduler evaluates `rate(1 day)` 24 h after the last firing.
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * Parses a schedule expression as EventBridge Scheduler (`scheduler`) or a scheduled rule
 * (`rule`) takes it: `at(...)` is the Scheduler's only.
 * @throws ScheduleExpressionError saying what is wrong
 */
export function parseScheduleExpression(text: string, options: { dialect: 'scheduler' | 'rule' }): ScheduleExpression {
  // An expression is taken as written: PutRule and CreateSchedule refuse ` rate(10 minutes)` and
  // `rate( 10 minutes )` (AWS's answers recorded by LocalStack's test_events_schedule and test_scheduler).
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(text);
  if (!match) throw new ScheduleExpressionError('an expression is cron(...), rate(...) or at(...)');
  const [, kind, body = ''] = match;
  if (kind === 'cron') {
    try {
      return { kind: 'cron', text, cron: parseCron(body) };
    } catch (error) {
      if (error instanceof CronSyntaxError) throw new ScheduleExpressionError(error.message);
      throw error;
    }
  }
  if (kind === 'rate') {
    const rate = /^(\d+) (minutes?|hours?|days?)$/.exec(body);
    if (!rate) throw new ScheduleExpressionError('a rate is rate(<positive whole number> minute(s)|hour(s)|day(s))');
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) throw new ScheduleExpressionError('a rate must be at least 1');
    // Rules want the singular with 1 and the plural otherwise (eb-rate-expressions). The
    // Scheduler's CreateSchedule reference lists minute|minutes|hour|hours|day|days with no
    // such rule, and AWS's own samples deploy schedules of rate(5 minute).
    if (options.dialect === 'rule' && (value === 1) !== !unit.endsWith('s')) {
      throw new ScheduleExpressionError(`use ${value === 1 ? 'the singular' : 'the plural'} unit with ${value} (got ${unit})`);
    }
    return { kind: 'rate', text, intervalMs: value * (UNIT_MS[unit] ?? 0) };
  }
  if (options.dialect !== 'scheduler') throw new ScheduleExpressionError('one-time at(...) expressions are for EventBridge Scheduler only');
  const at = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!at) throw new ScheduleExpressionError('a one-time schedule is at(yyyy-mm-ddThh:mm:ss)');
  const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, number, number, number, number, number];
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new ScheduleExpressionError(`${body} is not a date and time`);
  }
  return { kind: 'at', text, wall: { year, month, day, hour, minute, second } };
}

/** The settings of a schedule that decide when it fires. */
export interface FiringPlan {
  readonly expression: ScheduleExpression;
  /** IANA name; cron and at are read on its wall clock. */
  readonly timeZone: string;
  /** Rate schedules count from here (the start date, or when the schedule was created). */
  readonly anchorMs: number;
  readonly startMs?: number;
  readonly endMs?: number;
}

/** The instant a one-time schedule names; a local time the clocks skip over is taken an hour later. */
function oneTimeInstant(expression: Extract<ScheduleExpression, { kind: 'at' }>, timeZone: string): number {
  const { year, month, day, hour, minute, second } = expression.wall;
  const exact = instantOf(expression.wall, timeZone);
  if (exact !== undefined) return exact;
  const later = new Date(Date.UTC(year, month - 1, day, hour + 1, minute, second));
  const wall = {
    year: later.getUTCFullYear(),
    month: later.getUTCMonth() + 1,
    day: later.getUTCDate(),
    hour: later.getUTCHours(),
    minute: later.getUTCMinutes(),
    second: later.getUTCSeconds(),
  };
  return instantOf(wall, timeZone) ?? later.getTime();
}

/** The first firing strictly after `afterMs` within the start and end dates, or `undefined` if none is left. */
export function nextFiring(plan: FiringPlan, afterMs: number): number | undefined {
  const { expression } = plan;
  // One-time schedules ignore the start and end dates, as Scheduler documents.
  if (expression.kind === 'at') {
    const at = oneTimeInstant(expression, plan.timeZone);
    return at > afterMs ? at : undefined;
  }
  const from = Math.max(afterMs, (plan.startMs ?? Number.NEGATIVE_INFINITY) - 1);
  let next: number | undefined;
  if (expression.kind === 'rate') {
    const anchor = plan.startMs ?? plan.anchorMs;
    const periods = from < anchor ? 0 : Math.floor((from - anchor) / expression.intervalMs) + 1;
    next = anchor + periods * expression.intervalMs;
  } else {
    next = nextCronFiring(expression.cron, from, plan.timeZone, (ms) => wallClockAt(ms, plan.timeZone));
  }
  if (next === undefined || (plan.endMs !== undefined && next > plan.endMs)) return undefined;
  return next;
}

/** ISO-8601 UTC to the second, as Scheduler writes `<aws.scheduler.scheduled-time>`. */
export function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
