import { describe, expect, it } from 'vitest';
import { timeOption } from '../../cli/times.js';

describe('timeOption', () => {
  const now = Date.parse('2026-11-22T14:00:00Z');

  it('reads a duration ago, an ISO-8601 time or now', () => {
    expect(timeOption('from', '30m', now).toISOString()).toBe('2026-11-22T13:30:00.000Z');
    expect(timeOption('from', '2h', now).toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(timeOption('from', '7d', now).toISOString()).toBe('2026-11-15T14:00:00.000Z');
    expect(timeOption('from', '90s', now).toISOString()).toBe('2026-11-22T13:58:30.000Z');
    expect(timeOption('from', 'now', now).getTime()).toBe(now);
    expect(timeOption('from', '2026-11-22T10:15:00Z', now).toISOString()).toBe('2026-11-22T10:15:00.000Z');
    expect(timeOption('from', '2026-11-22T10:15:00+02:00', now).toISOString()).toBe('2026-11-22T08:15:00.000Z');
    expect(timeOption('from', '2026-11-21', now).toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });

  it('fails if the value is anything else, naming the option', () => {
    for (const value of ['yesterday', '5', '-2h', '2h ago', '2026-13-45', '']) {
      expect(() => timeOption('since', value, now)).toThrow(/^--since must be a duration ago such as 30m, 2h or 7d/);
    }
  });
});
