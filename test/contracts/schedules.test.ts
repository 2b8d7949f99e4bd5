import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf, ScheduleFired } from '../../domain/index.js';

describe('ScheduleFired', () => {
  it('accepts a firing with its schedule, scheduled time and payload', () => {
    const detail = { schedule: 'SlaSweep', scheduledTime: '2026-01-01T10:00:00Z', payload: { scope: 'escalations' } };
    expect(ScheduleFired.validate(detail)).toEqual({ ok: true, value: detail });
  });

  it('keys a firing on its schedule and scheduled time, whatever the event id', () => {
    const detail = { schedule: 'SlaSweep', scheduledTime: '2026-01-01T10:00:00Z' };
    expect(idempotencyKeyOf(ScheduleFired, { id: 'a', detail })).toBe(idempotencyKeyOf(ScheduleFired, { id: 'b', detail }));
    expect(idempotencyKeyOf(ScheduleFired, { id: 'a', detail })).not.toBe(
      idempotencyKeyOf(ScheduleFired, { id: 'a', detail: { ...detail, scheduledTime: '2026-01-01T11:00:00Z' } }),
    );
  });

  it.each([
    ['the scheduled time is not UTC ISO-8601', { schedule: 's', scheduledTime: '2026-01-01 10:00' }, '/scheduledTime'],
    ['the placeholder was never replaced', { schedule: 's', scheduledTime: '<aws.scheduler.scheduled-time>' }, '/scheduledTime'],
    ['the schedule is missing', { scheduledTime: '2026-01-01T10:00:00Z' }, "must have required property 'schedule'"],
  ])('fails if %s', (_reason, detail, problem) => {
    const result = ScheduleFired.validate(detail);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.join('\n')).toContain(problem);
  });
});
