import { afterEach, describe, expect, it } from 'vitest';
import { AsyncInvoker } from '../../../local/lambda/async/async-invoker.js';
import type { FunctionRuntime } from '../../../local/lambda/runtime/function-runtime.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A function that records how many of its invocations run at once. */
function fakeFunction(name: string, maxConcurrency: number) {
  const stats = { running: 0, most: 0, done: 0 };
  const fn = {
    definition: { name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}` },
    maxConcurrency,
    invoke: async () => {
      stats.running++;
      stats.most = Math.max(stats.most, stats.running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      stats.running--;
      stats.done++;
      return { ok: true, payload: '{}', requestId: 'r' };
    },
  } as unknown as FunctionRuntime;
  return { fn, stats };
}

describe('AsyncInvoker', () => {
  it("drains each function's queue at that function's concurrency, the functions side by side", async () => {
    const db = openDatabase(':memory:');
    cleanups.push(() => db.close());
    const narrow = fakeFunction('narrow', 1);
    const wide = fakeFunction('wide', 3);
    const invoker = new AsyncInvoker(
      new Map([
        ['narrow', narrow.fn],
        ['wide', wide.fn],
      ]),
      { db, clock: new ManualClock(), destinations: { send: async () => {} }, log: () => {}, pollIntervalMs: 10 },
    );
    cleanups.push(() => invoker.stop());
    for (let i = 0; i < 4; i++) invoker.accept(narrow.fn, { i });
    for (let i = 0; i < 6; i++) invoker.accept(wide.fn, { i });
    invoker.start();
    await invoker.idle();
    expect(narrow.stats).toEqual({ running: 0, most: 1, done: 4 });
    expect(wide.stats).toEqual({ running: 0, most: 3, done: 6 });
    expect(invoker.queued('narrow') + invoker.queued('wide')).toBe(0);
  });
});
