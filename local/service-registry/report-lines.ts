/** What the services' start-up report lines share (their modules' `report`). */

/** A schedule (or scheduled rule) as the start-up report names it. */
export interface ScheduleLine {
  /** `schedule <group>/<name>` or `rule <name>`. */
  readonly label: string;
  readonly expression: string;
  readonly timeZone?: string;
  readonly enabled: boolean;
  /** Epoch ms of the next firing; absent when none is left. */
  readonly next?: number;
}

/** A schedule's line: its expression, its time zone unless UTC, and its next firing (Scheduler's schedules, EventBridge's scheduled rules). */
export function scheduleLine(schedule: ScheduleLine): string {
  const zone = schedule.timeZone && schedule.timeZone !== 'UTC' && schedule.timeZone !== 'Etc/UTC' ? ` (${schedule.timeZone})` : '';
  const summary = (() => {
    if (!schedule.enabled) return `${schedule.expression}${zone}, disabled`;
    const next = schedule.next === undefined ? 'no firing left' : `next ${new Date(schedule.next).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
    return `${schedule.expression}${zone}, ${next}`;
  })();
  return `  ${schedule.label}: ${summary}`;
}

/** Quotes a value for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
