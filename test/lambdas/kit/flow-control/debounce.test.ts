import { describe, expect, it } from 'vitest';
import { type DebounceDecision, debounce, debounceSeq } from '../../../../lambdas/kit/flow-control/debounce.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { flowControlStore, type TestClock } from '../../../helpers/flow-control.js';

const dynamo = useDynamoDb();

const settings = { flow: 'docs', periodMs: 10_000, maxWaitMs: 60_000, keepMs: 14 * 86_400_000 };

interface Update {
  readonly id: string;
  readonly sentAtMs: number;
}

/** One receive of each update, all at once (as concurrent invocations would). */
function receive(store: Parameters<typeof debounce>[0], updates: readonly Update[], key = 'doc-1'): Promise<DebounceDecision[]> {
  return Promise.all(updates.map((u) => debounce(store, { ...settings, key, seq: debounceSeq(u.sentAtMs, u.id), sentAtMs: u.sentAtMs })));
}

/** Receives each update until it runs or is superseded, moving the clock to each wait's end. */
async function drain(store: Parameters<typeof debounce>[0] & { clock: TestClock }, updates: readonly Update[]) {
  const ran: string[] = [];
  let pending = [...updates];
  for (let round = 0; pending.length > 0 && round < 20; round++) {
    const decisions = await receive(store, pending);
    ran.push(...pending.filter((_, i) => decisions[i]?.kind === 'run').map((u) => u.id));
    const waits = decisions.flatMap((d) => (d.kind === 'wait' ? [d.ms] : []));
    pending = pending.filter((_, i) => decisions[i]?.kind === 'wait');
    if (waits.length > 0) store.clock.advance(Math.max(...waits));
  }
  return ran;
}

describe('debounce', () => {
  it('runs the last of 50 updates to one key, once', async () => {
    const store = await flowControlStore(dynamo);
    const t0 = store.clock.ms;
    const updates = Array.from({ length: 50 }, (_, i) => ({ id: `u${i}`, sentAtMs: t0 + i * 10 }));
    // Shuffled: the queue does not deliver in order.
    const shuffled = [...updates].sort(() => Math.random() - 0.5);
    const ran = await drain(store, shuffled);
    expect(ran).toEqual(['u49']);
  });

  it('holds the last update back until its quiet period has passed', async () => {
    const store = await flowControlStore(dynamo);
    const [decision] = await receive(store, [{ id: 'only', sentAtMs: store.clock.ms - 4_000 }]);
    expect(decision).toEqual({ kind: 'wait', ms: 6_000 });
  });

  it('supersedes an earlier update that comes back after a later one ran', async () => {
    const store = await flowControlStore(dynamo);
    const t0 = store.clock.ms;
    store.clock.advance(20_000);
    expect(await receive(store, [{ id: 'late', sentAtMs: t0 + 5 }])).toEqual([{ kind: 'run' }]);
    expect(await receive(store, [{ id: 'early', sentAtMs: t0 }])).toEqual([{ kind: 'superseded', by: debounceSeq(t0 + 5, 'late') }]);
  });

  it('supersedes the last update if a later one arrives while it is being let through', async () => {
    const store = await flowControlStore(dynamo);
    store.clock.advance(20_000);
    const last = { id: 'last', sentAtMs: store.clock.ms - 15_000 };
    const later = { id: 'later', sentAtMs: store.clock.ms };
    let laterDecision: DebounceDecision[] | undefined;
    // The later update is seen between the last one's read of its item and its claim to run.
    const racing = {
      ...store,
      client: {
        send: async (command: { input: { UpdateExpression?: string } }) => {
          if (command.input.UpdateExpression?.includes('ranSeq') && laterDecision === undefined)
            laterDecision = await receive(store, [later]);
          return store.client.send(command as never);
        },
      } as unknown as typeof store.client,
    };
    expect(await receive(racing, [last])).toEqual([{ kind: 'superseded', by: undefined }]);
    expect(laterDecision).toEqual([{ kind: 'wait', ms: 10_000 }]);
  });

  it('runs an update again on its retry after it was let through and failed', async () => {
    const store = await flowControlStore(dynamo);
    store.clock.advance(20_000);
    const update = { id: 'u', sentAtMs: store.clock.ms - 15_000 };
    expect(await receive(store, [update])).toEqual([{ kind: 'run' }]);
    expect(await receive(store, [update])).toEqual([{ kind: 'run' }]);
  });

  it('runs one update at least every maxWait under a steady stream', async () => {
    const store = await flowControlStore(dynamo);
    const ran: string[] = [];
    // One update every 2 s for 3 minutes: never 10 s quiet.
    for (let i = 0; i < 90; i++) {
      const [decision] = await receive(store, [{ id: `s${i}`, sentAtMs: store.clock.ms }]);
      if (decision?.kind === 'run') ran.push(`s${i}`);
      store.clock.advance(2_000);
    }
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect(ran.length).toBeLessThanOrEqual(4);
  });

  it('debounces each key on its own', async () => {
    const store = await flowControlStore(dynamo);
    store.clock.advance(20_000);
    const at = store.clock.ms - 15_000;
    const a = await receive(store, [{ id: 'a', sentAtMs: at }], 'doc-a');
    const b = await receive(store, [{ id: 'b', sentAtMs: at }], 'doc-b');
    expect([a, b]).toEqual([[{ kind: 'run' }], [{ kind: 'run' }]]);
  });
});
