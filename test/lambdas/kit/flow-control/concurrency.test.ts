import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireSlot, releaseSlot } from '../../../../lambdas/kit/flow-control/concurrency.js';
import { type DynaliteHandle, flowControlStore, startDynalite } from './helpers.js';

let dynamo: DynaliteHandle;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

const request = (holder: string, leaseUntilMs: number, key = 'tenant-a') => ({ flow: 'triage', key, limit: 3, holder, leaseUntilMs });

describe('acquireSlot', () => {
  it('lets exactly 3 of 20 concurrent takers hold a slot when the limit is 3', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => acquireSlot(store, request(`h${i}`, until))));
    expect(leases.filter((l) => l !== undefined)).toHaveLength(3);
    expect(new Set(leases.filter((l) => l !== undefined).map((l) => l?.pk)).size).toBe(3);
  });

  it('counts each key on its own', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const a = await Promise.all(Array.from({ length: 5 }, (_, i) => acquireSlot(store, request(`a${i}`, until, 'a'))));
    const b = await Promise.all(Array.from({ length: 5 }, (_, i) => acquireSlot(store, request(`b${i}`, until, 'b'))));
    expect(a.filter(Boolean)).toHaveLength(3);
    expect(b.filter(Boolean)).toHaveLength(3);
  });

  it('frees a slot on release, for the next taker', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const held = await Promise.all([0, 1, 2].map((i) => acquireSlot(store, request(`h${i}`, until))));
    expect(await acquireSlot(store, request('late', until))).toBeUndefined();
    expect(await releaseSlot(store, held[1] as NonNullable<(typeof held)[1]>)).toBe(true);
    expect(await acquireSlot(store, request('late', until))).toBeDefined();
  });

  it("lets a crashed holder's slot be taken once its lease has ended, and not before", async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    // Three holders that never release: their invocations died.
    for (const i of [0, 1, 2]) expect(await acquireSlot(store, request(`crashed${i}`, until))).toBeDefined();
    store.clock.advance(59_000);
    expect(await acquireSlot(store, request('early', store.clock.ms + 60_000))).toBeUndefined();
    store.clock.advance(2_000);
    const taken = await Promise.all(Array.from({ length: 5 }, (_, i) => acquireSlot(store, request(`next${i}`, store.clock.ms + 60_000))));
    expect(taken.filter(Boolean)).toHaveLength(3);
  });

  it('takes one slot, not two, when the SDK retries a PutItem whose first attempt succeeded but whose answer was lost', async () => {
    const store = await flowControlStore(dynamo);
    // As the SDK does after a timeout: the write happened, the retry meets its own item.
    const retrying = {
      send: async (command: unknown) => {
        if (command instanceof PutItemCommand) await store.client.send(command);
        return store.client.send(command as never);
      },
    } as unknown as DynamoDBClient;
    const until = store.clock.ms + 60_000;
    const lease = await acquireSlot({ ...store, client: retrying }, { ...request('h1', until), limit: 2 });
    expect(lease).toBeDefined();
    expect(await acquireSlot(store, { ...request('h2', until), limit: 2 })).toBeDefined();
  });

  it('does not free a slot whose lease ended and was taken by another', async () => {
    const store = await flowControlStore(dynamo);
    const slow = await Promise.all([0, 1, 2].map((i) => acquireSlot(store, request(`slow${i}`, store.clock.ms + 1_000))));
    store.clock.advance(2_000);
    const next = await Promise.all([0, 1, 2].map((i) => acquireSlot(store, request(`next${i}`, store.clock.ms + 60_000))));
    expect(next.filter(Boolean)).toHaveLength(3);
    // The slow holders finish late: their releases must leave the new holders' slots alone.
    for (const lease of slow) expect(await releaseSlot(store, lease as NonNullable<typeof lease>)).toBe(false);
    expect(await acquireSlot(store, request('late', store.clock.ms + 60_000))).toBeUndefined();
  });
});
