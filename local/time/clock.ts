/** Time as the services see it; tests pass a manual clock to step through visibility timeouts and delays. */
export interface Clock {
  now(): number;
  /**
   * Resolves once this clock has moved `ms` on (rejects with the signal's reason if it aborts
   * first). Step Functions waits on it (Wait states, retry intervals, TimeoutSeconds) when the
   * clock has one; a clock without one moves with real time, so waiting is waiting in real time.
   */
  sleep?(ms: number, signal: AbortSignal, options?: SleepOptions): Promise<void>;
  /**
   * Marks work that runs in real time and that moving the clock must not overtake: an
   * invocation, or an event source's batch between its receive and its delete. `what` says
   * what it is (asked only when something lists it); call the answer when it ends. A clock a
   * test moves (AdvanceableClock) moves only when no work is in flight; a clock of real time
   * has nothing to do here, since nothing can jump past the work's deadlines.
   */
  begin?(what: () => string): () => void;
}

/** `clock.begin(what)`, or nothing to end on a clock that does not wait for work: see {@link Clock.begin}. */
export function beginWork(clock: Clock, what: () => string): () => void {
  return clock.begin?.(what) ?? endNothing;
}

const endNothing = (): void => undefined;

/**
 * Work in flight (see {@link Clock.begin}) that is held and released as it passes from hand to
 * hand: a poller's batch, released while its invocation (work of its own) runs and held again
 * for its delete. Holding what is held, or releasing what is not, does nothing.
 */
export class HeldWork {
  #end: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly what: () => string,
  ) {}

  hold(): void {
    this.#end ??= beginWork(this.clock, this.what);
  }

  release(): void {
    this.#end?.();
    this.#end = undefined;
  }
}

/** Work in flight as a clock lists it: what it is, and for how long (real time) it has run. */
export interface WorkInFlight {
  readonly what: string;
  readonly forMs: number;
  /** It waits on a wake of the clock (SleepOptions.holding), not in real time. */
  readonly parked?: boolean;
}

/** A clock asked to move waited its bound for work in flight to end, and some is still running (listed in `work`). */
export class WorkInFlightError extends Error {
  override readonly name = 'WorkInFlightError';
  constructor(
    readonly work: readonly WorkInFlight[],
    readonly waitedMs: number,
  ) {
    super(
      `waited ${waitedMs} ms of real time for work in flight to end before moving the clock, and ${work.length} still ${work.length === 1 ? 'runs' : 'run'}: ` +
        work.map((w) => `${w.what} (running ${(w.forMs / 1000).toFixed(1)} s)`).join('; '),
    );
  }
}

export interface SleepOptions {
  /**
   * A wake that recurs for as long as the runtime runs (a schedule's next firing): it wakes
   * as any other, but does not keep the clock from being idle (`nextWake`).
   * @default false
   */
  readonly background?: boolean;
  /**
   * Work in flight that waits here for the clock (an SQS poller's batching window, its first
   * messages received): counted by `whenIdle`, as the batch is not done, but no bar to moving
   * the clock, which is what it waits for. `what` says what it is, as `begin`'s does.
   */
  readonly holding?: () => string;
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
 *
 * Work that runs in real time (`begin`: a function's invocation, a poller's batch) is never
 * overtaken: `advanceTo` moves the clock only once none is in flight, so an invocation ends,
 * in clock time, no later than real time lets it, always within its timeout, and whatever
 * waits on its outcome (a message's visibility timeout, a task's TimeoutSeconds) cannot fall
 * due while it still runs.
 */
export class AdvanceableClock implements Clock {
  #offset = 0;
  readonly #timers = new Set<Timer>();
  /** Work in flight: running in real time, or parked on a wake of this clock (SleepOptions.holding). */
  readonly #work = new Set<{ readonly what: () => string; readonly since: number; readonly parked?: boolean; readonly due?: number }>();
  /** Who waits for the work in flight to end (whenIdle). */
  readonly #idleWaiters = new Set<() => void>();

  now(): number {
    return Date.now() + this.#offset;
  }

  sleep(ms: number, signal: AbortSignal, options: SleepOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const parked = options.holding ? { what: options.holding, since: performance.now(), parked: true, due: this.now() + ms } : undefined;
      if (parked) this.#work.add(parked);
      const onAbort = () => {
        clearTimeout(timer.handle);
        this.#timers.delete(timer);
        if (parked) this.#ended(parked);
        reject(signal.reason);
      };
      const timer: Timer = {
        due: this.now() + ms,
        background: options.background === true,
        fire: () => {
          signal.removeEventListener('abort', onAbort);
          this.#timers.delete(timer);
          if (parked) this.#ended(parked);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#timers.add(timer);
      this.#arm(timer);
    });
  }

  begin(what: () => string): () => void {
    const work = { what, since: performance.now() };
    this.#work.add(work);
    return () => this.#ended(work);
  }

  /** Work that ended: whoever waits for idleness looks again (parked work may be all that is left). */
  #ended(work: { readonly what: () => string; readonly since: number }): void {
    if (!this.#work.delete(work)) return;
    for (const wake of [...this.#idleWaiters]) wake();
  }

  /** Whether work is in flight: any, or only what runs in real time (not what is parked on a wake). */
  #busy(includeParked: boolean): boolean {
    for (const work of this.#work) if (includeParked || !work.parked) return true;
    return false;
  }

  /** The work in flight now (see {@link Clock.begin}), the longest running first. */
  workInFlight(): WorkInFlight[] {
    const now = performance.now();
    return [...this.#work]
      .map((w) => ({ what: w.what(), forMs: now - w.since, ...(w.parked ? { parked: true } : {}) }))
      .sort((a, b) => b.forMs - a.forMs);
  }

  /**
   * Resolves once no work is in flight, and none began in the turn of the event loop after
   * the last one ended (work handed on from one to the next, an invocation's end to its
   * poller's delete, happens in that turn); rejects with WorkInFlightError, listing what
   * still runs, once `timeoutMs` of real time have passed. Work parked on a wake of this clock
   * counts unless `includeParked` is false (a test moving the clock moves it on to that wake).
   */
  async whenIdle({ timeoutMs, includeParked = true }: { readonly timeoutMs: number; readonly includeParked?: boolean }): Promise<void> {
    await this.#idle(performance.now(), timeoutMs, includeParked);
  }

  /**
   * Moves the clock on to `at` (clock time; not back, if real time has passed it) once no
   * work is in flight (`whenIdle`, whose WorkInFlightError it rejects with after `timeoutMs`).
   * Work parked on a wake does not hold it back, but the clock stops at the earliest such wake
   * before `at` and waits again: what the wake resumes (a batch's delivery) runs before the
   * clock passes the deadlines it lives by (its messages' visibility timeout).
   * The move itself is synchronous with the last look, so no work begins in between.
   */
  async advanceTo(at: number, { timeoutMs }: { readonly timeoutMs: number }): Promise<void> {
    const started = performance.now();
    for (;;) {
      await this.#idle(started, timeoutMs, false);
      if (this.#busy(false)) continue;
      const parkedWake = this.#parkedWake();
      const to = parkedWake !== undefined && parkedWake < at ? parkedWake : at;
      this.advance(Math.max(0, to - this.now()));
      if (to === at) return;
    }
  }

  /** When the earliest wake with work parked on it falls due. */
  #parkedWake(): number | undefined {
    let next: number | undefined;
    for (const { due } of this.#work) if (due !== undefined && (next === undefined || due < next)) next = due;
    return next;
  }

  async #idle(started: number, timeoutMs: number, includeParked: boolean): Promise<void> {
    for (;;) {
      if (!this.#busy(includeParked)) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.#busy(includeParked)) return;
        continue;
      }
      const remaining = started + timeoutMs - performance.now();
      if (remaining <= 0)
        throw new WorkInFlightError(
          this.workInFlight().filter((w) => includeParked || !w.parked),
          timeoutMs,
        );
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        this.#idleWaiters.add(done);
      });
    }
  }

  /** Moves the clock `ms` on at once, whatever is in flight (tests of the services alone; a whole runtime's tests use `advanceTo`); what it passes wakes now, the earliest first. */
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

/**
 * What a warm-up's steps wait for: on an ActivityClock, the work in flight (and with `requests`,
 * a request that just came: a step on the runtime's own thread); on another clock, one turn of the event loop.
 */
export function warmUpSteps(clock: Clock | undefined, requests: boolean): () => Promise<void> {
  return clock instanceof ActivityClock ? () => clock.idle(requests) : () => new Promise<void>((resolve) => setImmediate(resolve));
}

/** How long the runtime must have run no work before the warm-up takes its next step. */
const QUIET_MS = 100;

/**
 * The runtime's clock as its services see it, counting the work in flight on it (`begin`:
 * invocations, pollers' batches) so that what runs in the background only (the warm-up of
 * `switchyard dev`) can wait for the app's own work to end first: on two cores a function's
 * init on its thread slows the first event's invocation several times over. Time, `sleep` and
 * `begin` are the wrapped clock's.
 */
export class ActivityClock implements Clock {
  readonly sleep?: Clock['sleep'];
  #inFlight = 0;
  #lastEnd = 0;
  /** When a request last reached the endpoint (requestArrived). */
  #lastRequest = 0;

  constructor(private readonly inner: Clock) {
    if (inner.sleep) this.sleep = inner.sleep.bind(inner);
  }

  now(): number {
    return this.inner.now();
  }

  begin(what: () => string): () => void {
    this.#inFlight++;
    const end = beginWork(this.inner, what);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
      this.#lastEnd = performance.now();
      end();
    };
  }

  /**
   * A request reached the endpoint: the warm-up's next step waits a moment, so that work on the
   * runtime's thread (a state machine's compile, a fifth of a second) does not hold up the
   * request before its own work (an invocation) has begun. Only the arrival counts: a long
   * poll or an event stream held open must not keep the warm-up waiting.
   */
  requestArrived(): void {
    this.#lastRequest = performance.now();
  }

  /**
   * Resolves once no work is in flight and none has ended for a moment (a burst's next request
   * comes first), nor (unless `requests` is false: a step whose work runs on a thread of its own) has a request arrived.
   */
  async idle(requests = true): Promise<void> {
    for (;;) {
      const quietFor = performance.now() - Math.max(this.#lastEnd, requests ? this.#lastRequest : 0);
      if (this.#inFlight === 0 && quietFor >= QUIET_MS) return;
      await new Promise((resolve) => setTimeout(resolve, this.#inFlight === 0 ? QUIET_MS - quietFor : QUIET_MS));
    }
  }
}
