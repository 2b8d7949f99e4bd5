import { describe, expect, it } from 'vitest';
import { nextFiring, parseScheduleExpression } from '../../../local/scheduler/schedule-expression.js';

/** The next `count` firings after `from`, as ISO strings. */
function firings(expression: string, from: string, options: { timeZone?: string; count?: number; startMs?: number; endMs?: number } = {}) {
  const plan = {
    expression: parseScheduleExpression(expression, { dialect: 'scheduler' }),
    timeZone: options.timeZone ?? 'UTC',
    anchorMs: Date.parse(from),
    ...(options.startMs === undefined ? {} : { startMs: options.startMs }),
    ...(options.endMs === undefined ? {} : { endMs: options.endMs }),
  };
  const out: string[] = [];
  let after = Date.parse(from);
  for (let i = 0; i < (options.count ?? 3); i++) {
    const next = nextFiring(plan, after);
    if (next === undefined) break;
    out.push(new Date(next).toISOString().replace('.000Z', 'Z'));
    after = next;
  }
  return out;
}

describe('schedule expressions', () => {
  it('fire a rate from its anchor, every interval', () => {
    expect(firings('rate(5 minutes)', '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-01T00:05:00Z',
      '2026-01-01T00:10:00Z',
      '2026-01-01T00:15:00Z',
    ]);
    expect(firings('rate(1 day)', '2026-03-07T12:00:00Z', { timeZone: 'America/New_York', count: 2 })).toEqual([
      // A day is 24 hours, across the change to daylight saving time too.
      '2026-03-08T12:00:00Z',
      '2026-03-09T12:00:00Z',
    ]);
  });

  it('start a rate at its start date', () => {
    const start = Date.parse('2026-02-01T10:00:00Z');
    expect(firings('rate(1 hour)', '2026-01-01T00:00:00Z', { startMs: start, count: 2 })).toEqual([
      '2026-02-01T10:00:00Z',
      '2026-02-01T11:00:00Z',
    ]);
  });

  it('stop at the end date', () => {
    const end = Date.parse('2026-01-01T00:10:00Z');
    expect(firings('rate(5 minutes)', '2026-01-01T00:00:00Z', { endMs: end, count: 5 })).toEqual([
      '2026-01-01T00:05:00Z',
      '2026-01-01T00:10:00Z',
    ]);
  });

  it('read cron lists, ranges, steps and names', () => {
    expect(firings('cron(0/20 9-10 ? * MON-FRI *)', '2026-01-02T09:30:00Z', { count: 4 })).toEqual([
      '2026-01-02T09:40:00Z',
      '2026-01-02T10:00:00Z',
      '2026-01-02T10:20:00Z',
      '2026-01-02T10:40:00Z',
    ]);
    // Friday 2 January 2026, then the weekend is skipped.
    expect(firings('cron(15 12 ? * MON,FRI *)', '2026-01-02T13:00:00Z', { count: 2 })).toEqual([
      '2026-01-05T12:15:00Z',
      '2026-01-09T12:15:00Z',
    ]);
    expect(firings('cron(0 0 1 JAN,JUL ? 2027-2028)', '2026-01-01T00:00:00Z', { count: 5 })).toEqual([
      '2027-01-01T00:00:00Z',
      '2027-07-01T00:00:00Z',
      '2028-01-01T00:00:00Z',
      '2028-07-01T00:00:00Z',
    ]);
  });

  it('read L, LW and W in day-of-month', () => {
    expect(firings('cron(0 9 L * ? *)', '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-31T09:00:00Z',
      '2026-02-28T09:00:00Z',
      '2026-03-31T09:00:00Z',
    ]);
    // The last weekday: Friday 30 January, Friday 27 February.
    expect(firings('cron(0 9 LW * ? *)', '2026-01-01T00:00:00Z', { count: 2 })).toEqual(['2026-01-30T09:00:00Z', '2026-02-27T09:00:00Z']);
    // The weekday nearest the 15th: Sunday 15 February -> Monday 16th; Saturday 1 August -> Monday 3rd (never into July).
    expect(firings('cron(0 9 15W * ? *)', '2026-02-01T00:00:00Z', { count: 1 })).toEqual(['2026-02-16T09:00:00Z']);
    expect(firings('cron(0 9 1W * ? *)', '2026-07-15T00:00:00Z', { count: 1 })).toEqual(['2026-08-03T09:00:00Z']);
  });

  it('read L and # in day-of-week', () => {
    // 6L: the last Friday; 2#1: the first Monday.
    expect(firings('cron(0 9 ? * 6L *)', '2026-01-01T00:00:00Z', { count: 2 })).toEqual(['2026-01-30T09:00:00Z', '2026-02-27T09:00:00Z']);
    expect(firings('cron(0 9 ? * 2#1 *)', '2026-01-01T00:00:00Z', { count: 2 })).toEqual(['2026-01-05T09:00:00Z', '2026-02-02T09:00:00Z']);
  });

  it('evaluate cron on the wall clock of its time zone, skipping a time the clocks jump over', () => {
    // 02:30 does not exist in New York on 8 March 2026.
    expect(firings('cron(30 2 * * ? *)', '2026-03-06T12:00:00Z', { timeZone: 'America/New_York', count: 3 })).toEqual([
      '2026-03-07T07:30:00Z',
      '2026-03-09T06:30:00Z',
      '2026-03-10T06:30:00Z',
    ]);
  });

  it('fire once at a time the clocks repeat', () => {
    // 01:30 happens twice in New York on 1 November 2026; only the first runs.
    expect(firings('cron(30 1 * * ? *)', '2026-10-31T12:00:00Z', { timeZone: 'America/New_York', count: 2 })).toEqual([
      '2026-11-01T05:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
    expect(firings('cron(0 9 * * ? *)', '2026-03-28T12:00:00Z', { timeZone: 'Europe/Berlin', count: 2 })).toEqual([
      '2026-03-29T07:00:00Z',
      '2026-03-30T07:00:00Z',
    ]);
  });

  it('fire a one-time schedule once, in its time zone, whatever the start and end dates', () => {
    expect(firings('at(2026-06-01T09:00:00)', '2026-01-01T00:00:00Z', { timeZone: 'Asia/Tokyo', endMs: 0 })).toEqual([
      '2026-06-01T00:00:00Z',
    ]);
    expect(firings('at(2025-06-01T09:00:00)', '2026-01-01T00:00:00Z')).toEqual([]);
  });

  it('find nothing after the last year a cron names', () => {
    expect(firings('cron(0 0 1 1 ? 2030)', '2030-01-02T00:00:00Z')).toEqual([]);
  });

  it.each([
    ['cron(0 9 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 9 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 9 * *)', 'a cron expression has 6 fields (got 4)'],
    ['cron(60 9 * * ? *)', 'minutes value 60 is not in 0-59'],
    ['cron(0 24 * * ? *)', 'hours value 24 is not in 0-23'],
    ['cron(0 9 ? * 2#6 *)', 'day-of-week 2#6: the number after # must be 1 to 5'],
    ['cron(0 9 1-L * ? *)', 'day-of-month 1-L: L and W stand alone (L, LW, 15W)'],
    ['cron(0 9 5-1 * ? *)', 'day-of-month range 5-1 goes backwards'],
    ['cron(0 9 * * ? 2200)', 'year value 2200 is not in 1970-2199'],
    ['cron(0/0 9 * * ? *)', 'minutes step in 0/0 must be a positive whole number'],
    ['rate(0 minutes)', 'a rate must be at least 1'],
    ['rate(5 seconds)', 'a rate is rate(<positive whole number> minute(s)|hour(s)|day(s))'],
    ['at(2026-02-30T00:00:00)', '2026-02-30T00:00:00 is not a date and time'],
    ['at(2026-02-01 00:00)', 'a one-time schedule is at(yyyy-mm-ddThh:mm:ss)'],
    ['every 5 minutes', 'an expression is cron(...), rate(...) or at(...)'],
    // Taken as written, as AWS takes it (its recorded answers to LocalStack's test_scheduler.py).
    [' rate(10 minutes)', 'an expression is cron(...), rate(...) or at(...)'],
    ['rate( 10 minutes )', 'a rate is rate(<positive whole number> minute(s)|hour(s)|day(s))'],
  ])('fails if the expression is %s', (expression, reason) => {
    expect(() => parseScheduleExpression(expression, { dialect: 'scheduler' })).toThrow(reason);
  });

  it.each([
    ['rate(1 minutes)', 'use the singular unit with 1 (got minutes)'],
    ['rate(5 minute)', 'use the plural unit with 5 (got minute)'],
  ])('fails if a scheduled rule is given %s', (expression, reason) => {
    expect(() => parseScheduleExpression(expression, { dialect: 'rule' })).toThrow(reason);
  });

  it('takes a Scheduler rate in the singular or the plural, whatever its value', () => {
    const interval = (expression: string) => {
      const parsed = parseScheduleExpression(expression, { dialect: 'scheduler' });
      return parsed.kind === 'rate' ? parsed.intervalMs : undefined;
    };
    expect(interval('rate(5 minute)')).toBe(300_000);
    expect(interval('rate(1 hours)')).toBe(3_600_000);
    expect(interval('rate(2 days)')).toBe(172_800_000);
  });

  it('fails if a scheduled rule is given a one-time expression', () => {
    expect(() => parseScheduleExpression('at(2026-06-01T09:00:00)', { dialect: 'rule' })).toThrow('for EventBridge Scheduler only');
  });
});
