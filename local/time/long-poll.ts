import { type Clock, wakeAfter } from './clock.js';

/**
 * In-process waiters for long polls, by what they poll (K): SQS's ReceiveMessage (by queue)
 * and Step Functions' GetActivityTask (by activity). A poller with nothing to receive parks
 * here until a send (or anything else that may make a message receivable) wakes its queue, a
 * visibility or delay deadline passes, its wait time runs out, or its signal aborts. Waking
 * is only a hint: the woken poller queries again and parks again if another took the message.
 *
 * A deadline is on the services' clock: a test that moves it (the testing API's virtual time)
 * passes a visibility timeout at once, and a poller parked on it wakes then, not when its wait
 * runs out in real time. The wait itself is real time, as an SQS client's WaitTimeSeconds is,
 * unless `waitOnClock`: GetActivityTask's 60 seconds are the service's own, on its clock.
 */
export class LongPollWaiters<K = number> {
  private readonly waiting = new Map<K, Set<() => void>>();
  private readonly deadlines = new Map<K, { at: number; cancel(): void }>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: { readonly waitOnClock?: boolean } = {},
  ) {}

  hasWaiters(queueId: K): boolean {
    return (this.waiting.get(queueId)?.size ?? 0) > 0;
  }

  /** Resolves when the queue is woken, after `ms`, on abort, or on close; never rejects. */
  wait(queueId: K, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiting.get(queueId);
      if (!set) {
        set = new Set();
        this.waiting.set(queueId, set);
      }
      const waiters = set;
      const done = () => {
        timer.cancel();
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(queueId) === waiters) this.waiting.delete(queueId);
        resolve();
      };
      const timer = this.#timer(Math.max(0, ms), done);
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  /**
   * Wakes up to `count` waiters, longest waiting first. A send wakes one poller per message
   * it made visible rather than all of them: the rest would only find the queue empty again.
   */
  wake(queueId: K, count = Number.POSITIVE_INFINITY): void {
    const set = this.waiting.get(queueId);
    if (!set) return;
    let woken = 0;
    for (const done of [...set]) {
      if (woken++ >= count) break;
      done();
    }
  }

  /** Wakes the queue's waiters in `delayMs` of the clock, unless an earlier wake-up is already due. */
  wakeAfter(queueId: K, delayMs: number): void {
    const at = this.clock.now() + delayMs;
    const existing = this.deadlines.get(queueId);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const wake = wakeAfter(
      this.clock,
      Math.max(0, Math.ceil(delayMs)),
      () => {
        if (this.deadlines.get(queueId) === deadline) this.deadlines.delete(queueId);
        this.wake(queueId);
      },
      Number.POSITIVE_INFINITY,
      // Not a background wake: a message coming back after its visibility timeout (a failed
      // handler's, to be retried) or its delay is something the app still waits for, so
      // runUntilIdle runs it. A handler still working on its message is work in flight, which
      // the clock waits for before it moves (Clock.begin): it never jumps past that handler.
      { background: false },
    );
    // The waiters' own timeouts keep the process alive while anyone is polling (wakeAfter's timer is unref'd).
    const deadline = { at, cancel: () => wake.cancel() };
    this.deadlines.set(queueId, deadline);
  }

  /** A poll's own time limit: real time (a referenced timer, which keeps the process alive while anyone polls), or the clock's. */
  #timer(ms: number, done: () => void): { cancel(): void } {
    // A poller is not work the app waits on: its wait does not keep a test's clock from being idle.
    if (this.options.waitOnClock) return wakeAfter(this.clock, ms, done, Number.POSITIVE_INFINITY, { background: true });
    const timer = setTimeout(done, ms);
    return { cancel: () => clearTimeout(timer) };
  }

  close(): void {
    this.closed = true;
    for (const deadline of this.deadlines.values()) deadline.cancel();
    this.deadlines.clear();
    for (const queueId of [...this.waiting.keys()]) this.wake(queueId);
  }
}
