import { describe, expect, it } from 'vitest';
import { waitForRoom, withinWindow } from '../../../../lambdas/kit/flow-control/sliding-log.js';

describe('withinWindow', () => {
  it('keeps the entries after the start of the window that ends now, oldest first', () => {
    const log = [{ at: 70 }, { at: 40 }, { at: 41 }];
    // The window of 60 ending at 100 starts after 40.
    expect(withinWindow(log, 100, 60)).toEqual([{ at: 41 }, { at: 70 }]);
  });
});

describe('waitForRoom', () => {
  const log = [
    { at: 10, weight: 30 },
    { at: 20, weight: 50 },
    { at: 30, weight: 20 },
  ];

  it('answers 0 when the need fits now', () => {
    expect(waitForRoom(log, 40, 60, 120, 20)).toBe(0);
  });

  it('waits for as many of the oldest entries to leave as make room, and no more', () => {
    // 100 held of 120: 20 fit now; 50 need the entry of 10 gone (at 70); 51 need the one of 20 too (at 80).
    expect(waitForRoom(log, 40, 60, 120, 50)).toBe(30);
    expect(waitForRoom(log, 40, 60, 120, 51)).toBe(40);
  });

  it('fails if the need is more than the limit: no wait makes room', () => {
    expect(() => waitForRoom(log, 40, 60, 120, 121)).toThrow(RangeError);
  });
});
