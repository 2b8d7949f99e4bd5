import { type AdvanceableClock, WorkInFlightError } from '../local/time/clock.js';
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

/** What moving the clock takes besides the clock itself. */
export interface MoveOptions {
  /** Lets what a wake started begin (an invocation, a state's task) before the clock moves again. */
  readonly settle: () => Promise<void>;
  /** How long, in real time, to wait each time for work in flight (an invocation, a poller's batch) to end before moving. */
  readonly timeoutMs: number;
  /** The call as the test wrote it (`advance('24h')`), for the error when work in flight does not end. */
  readonly call: string;
}

/**
 * Moves the clock on by `ms`, one wake at a time in due order (each Wait, timeout, heartbeat
 * and Retry backoff that falls due runs before the clock passes the next), letting the runtime
 * do what each wake started before the next one. Before each move it waits for the work in
 * flight (a function's call runs in real time) to end, so the clock never jumps past a
 * running invocation's timeout, nor past the visibility timeout of a message being handled.
 */
export async function advanceBy(clock: AdvanceableClock, ms: number, options: MoveOptions): Promise<void> {
  const end = clock.now() + ms;
  for (;;) {
    // A schedule's firings too, one at a time: three hours of an hourly rule fire it three times.
    const next = clock.nextWake({ includeBackground: true });
    if (next === undefined || next > end) break;
    await moveTo(clock, next, options);
    await options.settle();
  }
  await moveTo(clock, end, options);
  await options.settle();
  // What the last wakes started ends before the test looks: an SLA's escalation has run.
  await idle(clock, options);
}

/**
 * Runs what waits on the clock, in due order, until nothing does and no work is in flight,
 * or `limitMs` of clock time has passed.
 */
export async function runUntilIdle(clock: AdvanceableClock, limitMs: number, options: MoveOptions): Promise<void> {
  const end = clock.now() + limitMs;
  for (;;) {
    await options.settle();
    await idle(clock, options);
    // What the work that just ended does next (a failed async invocation's retry, queued by its
    // outbox once the attempt has settled) waits on the clock from the turns after it ended.
    await options.settle();
    // Idle when only schedules wait (they recur for ever); their firings on the way run in order.
    const next = clock.nextWake();
    if (next === undefined) return;
    if (next > end)
      throw new TestAppError(
        `${options.call} still waiting on the clock after ${limitMs} ms of virtual time (next wake in ${next - clock.now()} ms)`,
      );
    await advanceBy(clock, Math.max(0, next - clock.now()), options);
  }
}

async function moveTo(clock: AdvanceableClock, at: number, options: MoveOptions): Promise<void> {
  try {
    await clock.advanceTo(at, { timeoutMs: options.timeoutMs });
  } catch (error) {
    throw workError(error, options);
  }
}

/**
 * Waits for the work that runs in real time to end. Work parked on the clock (a poller's batch
 * in its batching window) is not waited for: it waits for the clock, which moves it on when a
 * test moves it to or past its wake (runUntilIdle does, as the next wake).
 */
async function idle(clock: AdvanceableClock, options: MoveOptions): Promise<void> {
  try {
    await clock.whenIdle({ timeoutMs: options.timeoutMs, includeParked: false });
  } catch (error) {
    throw workError(error, options);
  }
}

function workError(error: unknown, { call, timeoutMs }: MoveOptions): unknown {
  if (!(error instanceof WorkInFlightError)) return error;
  return new TestAppError(
    `${call} waited ${timeoutMs} ms of real time for work in flight to end, and ${error.work.length} still ${error.work.length === 1 ? 'runs' : 'run'}: ` +
      `${error.work.map((w) => `${w.what}, running ${(w.forMs / 1000).toFixed(1)} s`).join('; ')}. ` +
      "A function's code runs in real time and the clock never moves past it (AWS would end it at its timeout, before anything that waits on it falls due): " +
      'let it end (release what it waits for) or give { timeoutMs } for a longer wait',
    { cause: error },
  );
}
