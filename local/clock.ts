/** Time as the services see it; tests pass a manual clock to step through visibility timeouts and delays. */
export interface Clock {
  now(): number;
  /**
   * Resolves once this clock has moved `ms` on (rejects with the signal's reason if it aborts
   * first). Step Functions waits on it (Wait states, retry intervals, TimeoutSeconds) when the
   * clock has one; a clock without one moves with real time, so waiting is waiting in real time.
   */
  sleep?(ms: number, signal: AbortSignal, options?: SleepOptions): Promise<void>;
}

export interface SleepOptions {
  /**
   * A wake that recurs for as long as the runtime runs (a schedule's next firing): it wakes
   * as any other, but does not keep the clock from being idle (`nextWake`).
   * @default false
   */
  readonly background?: boolean;
}

/**
 * Calls `fire` once `ms` have passed on the clock: on a clock that sleeps (a test's
 * AdvanceableClock) as a wake of it (a background one unless said otherwise), so moving the
 * clock fires it; otherwise after `ms` of real time, at most `realCapMs` (so that a clock
 * that jumps, a laptop waking, is noticed).
 */
export function wakeAfter(
  clock: Clock,
  ms: number,
  fire: () => void,
  realCapMs = Number.POSITIVE_INFINITY,
  { background = true }: SleepOptions = {},
): { cancel(): void } {
  if (clock.sleep) {
    const controller = new AbortController();
    clock.sleep(ms, controller.signal, { background }).then(fire, () => undefined);
    return { cancel: () => controller.abort() };
  }
  const timer = setTimeout(fire, Math.min(ms, realCapMs, MAX_TIMER_MS));
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** setTimeout fires at once for longer delays (about 24.8 days); a longer timer is re-armed on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Timer {
  readonly due: number;
  handle?: ReturnType<typeof setTimeout>;
  readonly fire: () => void;
  readonly background: boolean;
}

/**
 * Real time plus however far a test has moved it on. What waits on it (`sleep`) wakes when it
 * gets there: in real time, or at once when `advance` passes it. A test on a whole runtime can
 * so skip a four-hour SLA or a retry's backoff, and everything else keeps running in real time.
 */
export class AdvanceableClock implements Clock {
  #offset = 0;
  readonly #timers = new Set<Timer>();

  now(): number {
    return Date.now() + this.#offset;
  }

  sleep(ms: number, signal: AbortSignal, options: SleepOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer.handle);
        this.#timers.delete(timer);
        reject(signal.reason);
      };
      const timer: Timer = {
        due: this.now() + ms,
        background: options.background === true,
        fire: () => {
          signal.removeEventListener('abort', onAbort);
          this.#timers.delete(timer);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#timers.add(timer);
      this.#arm(timer);
    });
  }

  /** Moves the clock `ms` on; what it passes wakes now, the earliest first. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, not by ${ms} ms`);
    this.#offset += ms;
    for (const timer of [...this.#timers].sort((a, b) => a.due - b.due)) this.#arm(timer);
  }

  /**
   * Moves the clock on to the earliest of what waits on it, if that is at most `withinMs` away
   * (a retry's backoff, say, and not a running task's timeout further off); answers whether it moved.
   */
  advanceToNextWake(withinMs = Number.POSITIVE_INFINITY): boolean {
    const next = this.nextWake();
    if (next === undefined || next - this.now() > withinMs) return false;
    this.advance(Math.max(0, next - this.now()));
    return true;
  }

  /**
   * When the earliest of what waits on the clock wakes (clock time), if anything waits; a
   * background wake (a schedule's next firing) counts only with `includeBackground`.
   */
  nextWake({ includeBackground = false }: { readonly includeBackground?: boolean } = {}): number | undefined {
    let next: number | undefined;
    for (const { due, background } of this.#timers) {
      if (background && !includeBackground) continue;
      if (next === undefined || due < next) next = due;
    }
    return next;
  }

  #arm(timer: Timer): void {
    clearTimeout(timer.handle);
    const remaining = timer.due - this.now();
    if (remaining <= 0) timer.fire();
    else timer.handle = setTimeout(() => this.#arm(timer), Math.min(remaining, MAX_TIMER_MS));
  }
}
