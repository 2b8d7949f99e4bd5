import { describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../local/clock.js';

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
});
