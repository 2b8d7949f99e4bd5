import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { realSleep } from '../../../../local/states/engine/index.js';

const DAY = 24 * 60 * 60 * 1000;

describe('realSleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the whole of a delay longer than setTimeout takes (a 90-day task timeout)', async () => {
    let woke = false;
    void realSleep(90 * DAY, new AbortController().signal).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(89 * DAY);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(woke).toBe(true);
  });

  it('stops a long sleep when its signal aborts', async () => {
    const abort = new AbortController();
    const sleeping = realSleep(60 * DAY, abort.signal);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    abort.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
  });
});
