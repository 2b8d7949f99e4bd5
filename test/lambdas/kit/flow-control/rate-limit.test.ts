import { describe, expect, it } from 'vitest';
import { takeStart } from '../../../../lambdas/kit/flow-control/rate-limit.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { flowControlStore } from '../../../helpers/flow-control.js';

const dynamo = useDynamoDb();

const request = { flow: 'triage', key: 'tenant-a', limit: 5, periodMs: 60_000 };

describe('takeStart', () => {
  it('allows exactly 5 of 20 concurrent starts when the limit is 5 a minute', async () => {
    const store = await flowControlStore(dynamo);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => takeStart(store, request)));
    expect(outcomes.filter((o) => o.allowed)).toHaveLength(5);
  });

  it('says when the next start is allowed: when the oldest start in the window leaves it', async () => {
    const store = await flowControlStore(dynamo);
    for (let i = 0; i < 5; i++) {
      expect(await takeStart(store, request)).toEqual({ allowed: true });
      store.clock.advance(10_000);
    }
    // Starts at 0, 10, 20, 30, 40 s; now 50 s: the one at 0 leaves the window at 60 s.
    expect(await takeStart(store, request)).toEqual({ allowed: false, retryAfterMs: 10_000 });
  });

  it('holds the limit over every window of the period, not only aligned ones', async () => {
    const store = await flowControlStore(dynamo);
    const starts: number[] = [];
    // Bursts of 4 concurrent attempts every 7 s for 5 minutes.
    for (let t = 0; t < 300_000; t += 7_000) {
      const outcomes = await Promise.all(Array.from({ length: 4 }, () => takeStart(store, request)));
      for (const o of outcomes) if (o.allowed) starts.push(store.clock.ms);
      store.clock.advance(7_000);
    }
    const most = Math.max(...starts.map((at) => starts.filter((other) => other >= at && other < at + 60_000).length));
    expect(most).toBe(5);
    // And the limit is used, not just respected: 5 a minute over 5 minutes, give or take a window.
    expect(starts.length).toBeGreaterThanOrEqual(25);
  });

  it('counts each key on its own', async () => {
    const store = await flowControlStore(dynamo);
    const a = await Promise.all(Array.from({ length: 8 }, () => takeStart(store, request)));
    const b = await Promise.all(Array.from({ length: 8 }, () => takeStart(store, { ...request, key: 'tenant-b' })));
    expect(a.filter((o) => o.allowed)).toHaveLength(5);
    expect(b.filter((o) => o.allowed)).toHaveLength(5);
  });
});
