import { describe, expect, it } from 'vitest';
import { ActivityClock, AdvanceableClock, beginWork, systemClock, WorkInFlightError } from '../../../local/time/clock.js';

const HOUR = 3_600_000;

/** What has woken so far, by label, in the order it woke. */
function sleeper(clock: AdvanceableClock) {
  const woken: string[] = [];
  const sleep = (label: string, ms: number, signal = new AbortController().signal) =>
    clock.sleep(ms, signal).then(() => {
      woken.push(label);
    });
  return { woken, sleep };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('AdvanceableClock', () => {
  it('follows real time until moved, then runs ahead by what it was moved', () => {
    const clock = new AdvanceableClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
    clock.advance(HOUR);
    expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(HOUR - 50);
  });

  it('wakes what sleeps on it when moved past it, the earliest first, and nothing it has not reached', async () => {
    const clock = new AdvanceableClock();
    const { woken, sleep } = sleeper(clock);
    void sleep('two hours', 2 * HOUR);
    void sleep('one hour', HOUR);
    void sleep('three hours', 3 * HOUR);
    expect(clock.nextWake()).toBeGreaterThanOrEqual(clock.now() + HOUR - 50);
    clock.advance(2 * HOUR + 1000);
    await settle();
    expect(woken).toEqual(['one hour', 'two hours']);
    expect(clock.nextWake()).toBeGreaterThan(clock.now());
  });

  it('moves on to the earliest sleep only when it is within the limit given', async () => {
    const clock = new AdvanceableClock();
    const { woken, sleep } = sleeper(clock);
    void sleep('an hour', HOUR);
    void sleep('a day', 24 * HOUR);
    expect(clock.advanceToNextWake(30 * 60_000)).toBe(false);
    expect(clock.advanceToNextWake(2 * HOUR)).toBe(true);
    await settle();
    expect(woken).toEqual(['an hour']);
    expect(clock.advanceToNextWake(2 * HOUR)).toBe(false);
    expect(clock.advanceToNextWake()).toBe(true);
    await settle();
    expect(woken).toEqual(['an hour', 'a day']);
    expect(clock.advanceToNextWake()).toBe(false);
  });

  it('wakes a sleep in real time when nobody moves it', async () => {
    const clock = new AdvanceableClock();
    const { woken, sleep } = sleeper(clock);
    await sleep('soon', 20);
    expect(woken).toEqual(['soon']);
    expect(clock.nextWake()).toBeUndefined();
  });

  it('rejects a sleep whose signal aborts with its reason, and forgets it', async () => {
    const clock = new AdvanceableClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(HOUR, controller.signal);
    controller.abort(new Error('finished'));
    await expect(sleeping).rejects.toThrow('finished');
    expect(clock.nextWake()).toBeUndefined();
  });

  it('fails if moved backwards', () => {
    expect(() => new AdvanceableClock().advance(-1)).toThrow(RangeError);
  });

  it('moves to a time only once no work is in flight, and the work ended at the time it ends, not past it', async () => {
    const clock = new AdvanceableClock();
    const { woken, sleep } = sleeper(clock);
    void sleep('visibility timeout', 30_000);
    const end = clock.begin(() => 'an invocation');
    const at = clock.now() + HOUR;
    let moved = false;
    const moving = clock.advanceTo(at, { timeoutMs: 5000 }).then(() => {
      moved = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect({ moved, woken }).toEqual({ moved: false, woken: [] });
    expect(clock.workInFlight().map((w) => w.what)).toEqual(['an invocation']);
    end();
    end();
    await moving;
    expect(woken).toEqual(['visibility timeout']);
    expect(clock.now()).toBeGreaterThanOrEqual(at);
    expect(clock.workInFlight()).toEqual([]);
  });

  it('counts work handed on in the same turn of the event loop as still in flight', async () => {
    const clock = new AdvanceableClock();
    let inFlightWhenMoved: string[] | undefined;
    void clock.sleep(HOUR / 2, new AbortController().signal).then(() => {
      inFlightWhenMoved = clock.workInFlight().map((w) => w.what);
    });
    let end = clock.begin(() => 'an invocation');
    const moving = clock.advanceTo(clock.now() + HOUR, { timeoutMs: 5000 });
    let handedOn = false;
    setTimeout(() => {
      end();
      // The poller deletes what its invocation handled: its own work, begun some microtasks later in the same turn.
      void (async () => {
        for (let hop = 0; hop < 10; hop++) await Promise.resolve();
        end = clock.begin(() => 'a batch being deleted');
        handedOn = true;
        setTimeout(() => end(), 30);
      })();
    }, 10);
    const before = clock.now();
    await moving;
    expect(handedOn).toBe(true);
    // Moved after the batch ended, not in the moment between the invocation's end and the batch's delete.
    expect(inFlightWhenMoved).toEqual([]);
    expect(clock.now() - before).toBeGreaterThanOrEqual(HOUR - 100);
    expect(clock.workInFlight()).toEqual([]);
  });

  it('fails if work is still in flight after the wait, naming it, without moving', async () => {
    const clock = new AdvanceableClock();
    const end = clock.begin(() => 'an invocation of slow-fn');
    const before = clock.now();
    const error = await clock.advanceTo(clock.now() + HOUR, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkInFlightError);
    expect((error as WorkInFlightError).work.map((w) => w.what)).toEqual(['an invocation of slow-fn']);
    expect((error as Error).message).toMatch(
      /^waited 50 ms of real time for work in flight to end before moving the clock, and 1 still runs: an invocation of slow-fn \(running 0\.\d s\)$/,
    );
    expect(clock.now() - before).toBeLessThan(HOUR);
    end();
  });

  it('moves past work parked on a wake, stopping at the wake until what it resumed has ended', async () => {
    const clock = new AdvanceableClock();
    const start = clock.now();
    let resumedAt: number | undefined;
    let end: (() => void) | undefined;
    // A batch in its batching window: parked on the window's end, then running (its delivery) from the wake on.
    void clock.sleep(60_000, new AbortController().signal, { holding: () => 'a batch in its window' }).then(() => {
      resumedAt = clock.now() - start;
      end = clock.begin(() => 'the batch delivered');
      setTimeout(() => end?.(), 30);
    });
    expect(clock.workInFlight()).toEqual([expect.objectContaining({ what: 'a batch in its window', parked: true })]);
    // A parked batch is still in flight for whoever waits for all of it, not for a move of the clock.
    await expect(clock.whenIdle({ timeoutMs: 20 })).rejects.toBeInstanceOf(WorkInFlightError);
    await clock.whenIdle({ timeoutMs: 20, includeParked: false });
    let movedWhileDelivering: number | undefined;
    void clock.sleep(HOUR / 2, new AbortController().signal).then(() => {
      movedWhileDelivering = clock.workInFlight().length;
    });
    await clock.advanceTo(start + HOUR, { timeoutMs: 5000 });
    expect(resumedAt).toBeGreaterThanOrEqual(60_000);
    expect(resumedAt).toBeLessThan(61_000);
    // The clock passed the half hour only once the delivery the wake resumed had ended.
    expect(movedWhileDelivering).toBe(0);
    expect(clock.now() - start).toBeGreaterThanOrEqual(HOUR);
    expect(clock.workInFlight()).toEqual([]);
  });

  it('forgets work parked on a sleep whose signal aborts', async () => {
    const clock = new AdvanceableClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(HOUR, controller.signal, { holding: () => 'a batch in its window' }).catch(() => 'aborted');
    controller.abort();
    expect(await sleeping).toBe('aborted');
    expect(clock.workInFlight()).toEqual([]);
    await clock.whenIdle({ timeoutMs: 20 });
  });

  it('has no work to wait for on a clock of real time', () => {
    const end = beginWork(systemClock, () => 'an invocation');
    expect(end).toBeTypeOf('function');
    end();
  });
});

describe('ActivityClock', () => {
  it('is idle only once no work is in flight and none has ended for a moment', async () => {
    const clock = new ActivityClock(systemClock);
    const end = beginWork(clock, () => 'an invocation');
    let idle = false;
    const waiting = clock.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(idle).toBe(false);
    const ended = performance.now();
    end();
    await waiting;
    expect(performance.now() - ended).toBeGreaterThanOrEqual(90);
  });

  it('is idle a moment after a request arrived, unless asked for a step that runs on a thread of its own', async () => {
    const clock = new ActivityClock(systemClock);
    clock.requestArrived();
    const arrived = performance.now();
    let offThread = false;
    const offThreadIdle = clock.idle(false).then(() => {
      offThread = true;
    });
    await offThreadIdle;
    expect(offThread).toBe(true);
    await clock.idle();
    expect(performance.now() - arrived).toBeGreaterThanOrEqual(90);
  });

  it("passes time, sleep and work on to the clock it counts for, so a test's clock still waits for work", async () => {
    const inner = new AdvanceableClock();
    const clock = new ActivityClock(inner);
    await inner.advanceTo(inner.now() + 60_000, { timeoutMs: 10 });
    expect(clock.now() - Date.now()).toBeGreaterThan(59_000);
    expect(clock.sleep).toBeDefined();
    const end = beginWork(clock, () => 'a batch');
    await expect(inner.advanceTo(inner.now() + 1000, { timeoutMs: 10 })).rejects.toBeInstanceOf(WorkInFlightError);
    end();
    await inner.advanceTo(inner.now() + 1000, { timeoutMs: 10 });
  });
});
