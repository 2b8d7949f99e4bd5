import type { AdvanceableClock } from '../local/clock.js';
import { TestAppError } from './poll.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration as `advance` takes it: milliseconds, or `<n><unit>` with ms, s, m, h or d (`'24h'`, `'90s'`, `'1.5d'`). */
export function durationMs(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new TestAppError(`advance takes a duration of 0 or more, not ${value}`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  const unit = match?.[2];
  if (match === null || unit === undefined) {
    throw new TestAppError(
      `advance takes a duration such as '24h', '30m', '90s', '500ms' or '2d' (or milliseconds), not ${JSON.stringify(value)}`,
    );
  }
  return Number(match[1]) * (UNITS[unit] ?? 1);
}

/**
 * Moves the clock on by `ms`, one wake at a time in due order (each Wait, timeout, heartbeat
 * and Retry backoff that falls due runs before the clock passes the next), letting the runtime
 * do what each wake started before the next one.
 */
export async function advanceBy(clock: AdvanceableClock, ms: number, settle: () => Promise<void>): Promise<void> {
  const end = clock.now() + ms;
  for (;;) {
    // A schedule's firings too, one at a time: three hours of an hourly rule fire it three times.
    const next = clock.nextWake({ includeBackground: true });
    if (next === undefined || next > end) break;
    clock.advance(Math.max(0, next - clock.now()));
    await settle();
  }
  clock.advance(Math.max(0, end - clock.now()));
  await settle();
}

/** Runs what waits on the clock, in due order, until nothing does or `limitMs` of clock time has passed. */
export async function runUntilIdle(clock: AdvanceableClock, limitMs: number, settle: () => Promise<void>): Promise<void> {
  const end = clock.now() + limitMs;
  for (;;) {
    await settle();
    // Idle when only schedules wait (they recur for ever); their firings on the way run in order.
    const next = clock.nextWake();
    if (next === undefined) return;
    if (next > end)
      throw new TestAppError(`still waiting on the clock after ${limitMs} ms of virtual time (next wake in ${next - clock.now()} ms)`);
    await advanceBy(clock, Math.max(0, next - clock.now()), settle);
  }
}
