/**
 * AWS's six-field cron (`minutes hours day-of-month month day-of-week year`), as
 * EventBridge rules and Scheduler read it: lists, ranges, `*` and `/` steps everywhere;
 * `?` in exactly one of day-of-month and day-of-week; `L` and `W` in day-of-month;
 * `L` and `#` in day-of-week (1 = Sunday); names for months and days.
 */
import { instantOf, type WallClock } from './time-zones.js';

export class CronSyntaxError extends Error {}

interface DayOfMonthSpec {
  readonly any: boolean;
  readonly days: ReadonlySet<number>;
  readonly last: boolean;
  readonly lastWeekday: boolean;
  /** `15W`: the weekday nearest the 15th, within the month. */
  readonly nearestWeekday: readonly number[];
}

interface DayOfWeekSpec {
  readonly any: boolean;
  /** 1 (Sunday) to 7 (Saturday). */
  readonly days: ReadonlySet<number>;
  /** `5L`: the last Thursday of the month. */
  readonly lastOf: readonly number[];
  /** `3#2`: the second Tuesday, as [day, n]. */
  readonly nth: readonly (readonly [number, number])[];
}

export interface CronExpression {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth?: DayOfMonthSpec;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek?: DayOfWeekSpec;
  readonly years: ReadonlySet<number>;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface FieldRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Ranges may wrap past the end (FRI-MON). */
  readonly wraps?: boolean;
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTHS },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: DAYS, wraps: true },
  year: { name: 'year', min: MIN_YEAR, max: MAX_YEAR },
} satisfies Record<string, FieldRange>;

/** Parses the inside of `cron(...)`; throws CronSyntaxError naming the field at fault. */
export function parseCron(body: string): CronExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new CronSyntaxError(`a cron expression has 6 fields (got ${fields.length})`);
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new CronSyntaxError('exactly one of day-of-month and day-of-week must be ?');
  }
  return {
    minutes: [...parseField(minutes, FIELDS.minutes)].sort((a, b) => a - b),
    hours: [...parseField(hours, FIELDS.hours)].sort((a, b) => a - b),
    dayOfMonth: dom === '?' ? undefined : parseDayOfMonth(dom),
    months: parseField(month, FIELDS.month),
    dayOfWeek: dow === '?' ? undefined : parseDayOfWeek(dow),
    years: parseField(year, FIELDS.year),
  };
}

function parseValue(text: string, field: FieldRange): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw new CronSyntaxError(`${field.name} value ${text} is not in ${field.min}-${field.max}`);
  }
  return value;
}

/** `*`, `a`, `a-b`, each with an optional `/step`, comma-separated. */
function parseField(text: string, field: FieldRange): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined || range === '') throw new CronSyntaxError(`${field.name} item ${item} is not valid`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) {
      throw new CronSyntaxError(`${field.name} step in ${item} must be a positive whole number`);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined) throw new CronSyntaxError(`${field.name} range ${range} is not valid`);
      from = parseValue(a, field);
      to = parseValue(b, field);
      if (to < from && !field.wraps) throw new CronSyntaxError(`${field.name} range ${range} goes backwards`);
    } else {
      from = parseValue(range, field);
      // `5/15` counts from 5 to the end of the field.
      to = stepText === undefined ? from : field.max;
    }
    const span = to >= from ? to - from : to + (field.max - field.min + 1) - from;
    for (let offset = 0; offset <= span; offset += step) {
      const value = from + offset;
      values.add(value > field.max ? value - (field.max - field.min + 1) : value);
    }
  }
  return values;
}

function parseDayOfMonth(text: string): DayOfMonthSpec {
  const upper = text.toUpperCase();
  if (upper === 'L') return { any: false, days: new Set(), last: true, lastWeekday: false, nearestWeekday: [] };
  if (upper === 'LW') return { any: false, days: new Set(), last: false, lastWeekday: true, nearestWeekday: [] };
  const weekday = /^(\d+)W$/.exec(upper);
  if (weekday) {
    return {
      any: false,
      days: new Set(),
      last: false,
      lastWeekday: false,
      nearestWeekday: [parseValue(weekday[1] ?? '', FIELDS.dayOfMonth)],
    };
  }
  if (/[LW]/.test(upper)) throw new CronSyntaxError(`day-of-month ${text}: L and W stand alone (L, LW, 15W)`);
  return { any: text === '*', days: parseField(text, FIELDS.dayOfMonth), last: false, lastWeekday: false, nearestWeekday: [] };
}

function parseDayOfWeek(text: string): DayOfWeekSpec {
  const upper = text.toUpperCase();
  // `L` alone is the last day of the week, Saturday.
  if (upper === 'L') return { any: false, days: new Set([7]), lastOf: [], nth: [] };
  const last = /^([A-Z0-9]+)L$/.exec(upper);
  if (last) return { any: false, days: new Set(), lastOf: [parseValue(last[1] ?? '', FIELDS.dayOfWeek)], nth: [] };
  const nth = /^([A-Z0-9]+)#(\d+)$/.exec(upper);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronSyntaxError(`day-of-week ${text}: the number after # must be 1 to 5`);
    return { any: false, days: new Set(), lastOf: [], nth: [[parseValue(nth[1] ?? '', FIELDS.dayOfWeek), n]] };
  }
  if (/[L#]/.test(upper)) throw new CronSyntaxError(`day-of-week ${text}: L and # stand alone (6L, 2#1)`);
  return { any: text === '*', days: parseField(text, FIELDS.dayOfWeek), lastOf: [], nth: [] };
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 (Sunday) to 7 (Saturday). */
const weekdayOf = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function nearestWeekday(year: number, month: number, day: number): number | undefined {
  const length = daysIn(year, month);
  if (day > length) return undefined;
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday, or Monday the 3rd
  if (weekday === 1) return day === length ? day - 2 : day + 1; // Sunday: Monday, or Friday before the month ends
  return day;
}

function matchesDay(cron: CronExpression, year: number, month: number, day: number): boolean {
  const dom = cron.dayOfMonth;
  if (dom) {
    if (dom.any || dom.days.has(day)) return day <= daysIn(year, month);
    const length = daysIn(year, month);
    if (dom.last && day === length) return true;
    if (dom.lastWeekday) {
      const w = weekdayOf(year, month, length);
      const lastWeekday = w === 1 ? length - 2 : w === 7 ? length - 1 : length;
      if (day === lastWeekday) return true;
    }
    return dom.nearestWeekday.some((n) => nearestWeekday(year, month, n) === day);
  }
  const dow = cron.dayOfWeek;
  if (!dow) return false;
  const weekday = weekdayOf(year, month, day);
  if (dow.any || dow.days.has(weekday)) return true;
  if (dow.lastOf.includes(weekday) && day + 7 > daysIn(year, month)) return true;
  return dow.nth.some(([d, n]) => d === weekday && Math.ceil(day / 7) === n);
}

/**
 * The first firing strictly after `afterMs`, evaluated on the wall clock of `timeZone`:
 * a local time the clocks skip over does not fire, one they repeat fires once.
 */
export function nextCronFiring(
  cron: CronExpression,
  afterMs: number,
  timeZone: string,
  wallAt: (ms: number) => WallClock,
): number | undefined {
  const start = wallAt(afterMs);
  // Walk the calendar a day at a time from the local date of `afterMs` (one day earlier
  // covers a repeated hour whose first occurrence is before `afterMs`).
  const cursor = new Date(Date.UTC(start.year, start.month - 1, start.day - 1));
  while (cursor.getUTCFullYear() <= MAX_YEAR) {
    const year = cursor.getUTCFullYear();
    const month = cursor.getUTCMonth() + 1;
    const day = cursor.getUTCDate();
    if (!cron.years.has(year)) {
      cursor.setUTCFullYear(year + 1, 0, 1);
      continue;
    }
    if (!cron.months.has(month)) {
      cursor.setUTCMonth(month, 1);
      continue;
    }
    if (matchesDay(cron, year, month, day)) {
      for (const hour of cron.hours) {
        for (const minute of cron.minutes) {
          const instant = instantOf({ year, month, day, hour, minute, second: 0 }, timeZone);
          if (instant !== undefined && instant > afterMs) return instant;
        }
      }
    }
    cursor.setUTCDate(day + 1);
  }
  return undefined;
}
