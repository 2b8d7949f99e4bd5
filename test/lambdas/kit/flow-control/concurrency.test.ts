import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { acquireSlot, releaseSlot, type SlotLease } from '../../../../lambdas/kit/flow-control/concurrency.js';
import { type FlowControlStore, readItem } from '../../../../lambdas/kit/flow-control/store.js';
import { DynamoDbHost } from '../../../../local/dynamodb/dynamodb-host.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { createActiveTable } from '../../../helpers/dynamodb-tables.js';
import { flowControlStore, TestClock } from '../../../helpers/flow-control.js';
import { tempDataDir } from '../../../local/helpers.js';

const dynamo = useDynamoDb();

const request = (holder: string, leaseUntilMs: number, key = 'tenant-a') => ({ flow: 'triage', key, limit: 3, holder, leaseUntilMs });
const taken = (leases: readonly (SlotLease | undefined)[]) => leases.filter((l): l is SlotLease => l !== undefined);

/** The key's item holds exactly the holders of the leases taken. */
async function expectHolders(store: FlowControlStore, leases: readonly (SlotLease | undefined)[]): Promise<void> {
  const item = await readItem(store, 'concurrency#triage#tenant-a');
  expect(Object.keys(item?.holders as object).sort()).toEqual(
    taken(leases)
      .map((l) => l.holder)
      .sort(),
  );
}

/** A client that counts what it sends, and sends every command `times` times (an SDK retry of a write whose answer was lost). */
function sending(client: DynamoDBClient, times = 1, which: (command: unknown) => boolean = () => true) {
  const sent = { count: 0 };
  const wrapped = {
    send: async (command: unknown) => {
      sent.count++;
      if (which(command)) for (let i = 1; i < times; i++) await client.send(command as never).catch(() => undefined);
      return client.send(command as never);
    },
  } as unknown as DynamoDBClient;
  return { client: wrapped, sent };
}

describe('acquireSlot', () => {
  it('lets exactly 3 of 20 concurrent takers hold a place when the limit is 3', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => acquireSlot(store, request(`h${i}`, until))));
    expect(taken(leases)).toHaveLength(3);
    await expectHolders(store, leases);
  });

  it('counts each key on its own', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const a = await Promise.all(Array.from({ length: 5 }, (_, i) => acquireSlot(store, request(`a${i}`, until, 'a'))));
    const b = await Promise.all(Array.from({ length: 5 }, (_, i) => acquireSlot(store, request(`b${i}`, until, 'b'))));
    expect(taken(a)).toHaveLength(3);
    expect(taken(b)).toHaveLength(3);
  });

  it('refuses a taker of a full key with one write and no read', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    for (const i of [0, 1, 2]) await acquireSlot(store, request(`h${i}`, until));
    const { client, sent } = sending(store.client);
    expect(await acquireSlot({ ...store, client }, request('late', until))).toBeUndefined();
    expect(sent.count).toBe(1);
  });

  it('takes a place with one write once the key has its item', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    await acquireSlot(store, request('first', until));
    const { client, sent } = sending(store.client);
    expect(await acquireSlot({ ...store, client }, request('second', until))).toBeDefined();
    expect(sent.count).toBe(1);
  });

  it('frees a place on release, for the next taker', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const held = taken(await Promise.all([0, 1, 2].map((i) => acquireSlot(store, request(`h${i}`, until)))));
    expect(await acquireSlot(store, request('late', until))).toBeUndefined();
    expect(await releaseSlot(store, held[1] as SlotLease)).toBe(true);
    expect(await acquireSlot(store, request('late', until))).toBeDefined();
  });

  it("lets a crashed holder's place be taken once its lease has ended, and not before", async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    // Three holders that never release: their invocations died.
    for (const i of [0, 1, 2]) expect(await acquireSlot(store, request(`crashed${i}`, until))).toBeDefined();
    store.clock.advance(59_000);
    expect(await acquireSlot(store, request('early', store.clock.ms + 60_000))).toBeUndefined();
    store.clock.advance(2_000);
    const next = await Promise.all(Array.from({ length: 5 }, (_, i) => acquireSlot(store, request(`next${i}`, store.clock.ms + 60_000))));
    expect(taken(next)).toHaveLength(3);
    await expectHolders(store, next);
  });

  it('takes the last place once, not refused by its own retry, when the SDK retries an UpdateItem whose answer was lost', async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    for (const h of ['h0', 'h1']) await acquireSlot(store, request(h, until));
    // The first attempt takes the last place; the retry must meet its own entry, not a full key.
    const retrying = sending(store.client, 2, (command) => command instanceof UpdateItemCommand);
    const lease = await acquireSlot({ ...store, client: retrying.client }, request('h2', until));
    expect(lease).toBeDefined();
    expect(await acquireSlot(store, request('h3', until))).toBeUndefined();
    expect(await releaseSlot(store, lease as SlotLease)).toBe(true);
    expect(await acquireSlot(store, request('h3', until))).toBeDefined();
  });

  it("takes the key's only place once when the SDK retries the PutItem that creates the key's item", async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const retrying = sending(store.client, 2, (command) => command instanceof PutItemCommand);
    const lease = await acquireSlot({ ...store, client: retrying.client }, { ...request('h0', until), limit: 1 });
    expect(lease).toBeDefined();
    expect(await acquireSlot(store, { ...request('h1', until), limit: 1 })).toBeUndefined();
    expect(Object.keys((await readItem(store, 'concurrency#triage#tenant-a'))?.holders as object)).toEqual(['h0']);
  });

  it('does not free a place whose lease ended and was taken by another', async () => {
    const store = await flowControlStore(dynamo);
    const slow = taken(await Promise.all([0, 1, 2].map((i) => acquireSlot(store, request(`slow${i}`, store.clock.ms + 1_000)))));
    store.clock.advance(2_000);
    const next = await Promise.all([0, 1, 2].map((i) => acquireSlot(store, request(`next${i}`, store.clock.ms + 60_000))));
    expect(taken(next)).toHaveLength(3);
    // The slow holders finish late: their releases must leave the new holders' places alone.
    for (const lease of slow) expect(await releaseSlot(store, lease)).toBe(false);
    expect(await acquireSlot(store, request('late', store.clock.ms + 60_000))).toBeUndefined();
  });

  it('keeps no more entries than the limit, whatever holders come and go', async () => {
    const store = await flowControlStore(dynamo);
    for (let round = 0; round < 5; round++) {
      const leases = await Promise.all(
        Array.from({ length: 6 }, (_, i) => acquireSlot(store, request(`r${round}-${i}`, store.clock.ms + 1_000))),
      );
      // Some release, the others crash: their leases end.
      await releaseSlot(store, taken(leases)[0] as SlotLease);
      store.clock.advance(2_000);
      const item = await readItem(store, 'concurrency#triage#tenant-a');
      expect(Object.keys(item?.holders as object).length).toBeLessThanOrEqual(3);
    }
  });

  it('fails if the limit is not an integer from 1 to 1,000', async () => {
    const store = await flowControlStore(dynamo);
    for (const limit of [0, 1.5, 1_001]) {
      await expect(acquireSlot(store, { ...request('h', store.clock.ms + 1), limit })).rejects.toMatchObject({ name: 'ConfigError' });
    }
  });
});

describe('acquireSlot on the local runtime', () => {
  it("lets exactly 4 of 30 concurrent takers hold a place when the limit is 4, through the runtime's DynamoDB", async () => {
    const host = await DynamoDbHost.start({ folder: tempDataDir() });
    const client = new DynamoDBClient({
      endpoint: host.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await createActiveTable(client, {
        TableName: 'flow-control',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      });
      const clock = new TestClock();
      const store = { client, tableName: 'flow-control', now: clock.now };
      const take = (holder: string) => acquireSlot(store, { ...request(holder, clock.ms + 60_000), limit: 4 });
      expect(taken(await Promise.all(Array.from({ length: 30 }, (_, i) => take(`h${i}`))))).toHaveLength(4);
      // Every lease ends; the next burst sweeps them and again exactly 4 get in.
      clock.advance(61_000);
      expect(taken(await Promise.all(Array.from({ length: 30 }, (_, i) => take(`n${i}`))))).toHaveLength(4);
    } finally {
      client.destroy();
      await host.stop();
    }
  });

  it("never shares a priority lane's slots with an event key that spells the lane's item (lane#batch)", async () => {
    const store = await flowControlStore(dynamo);
    const until = store.clock.ms + 60_000;
    const one = { flow: 'triage', limit: 1, leaseUntilMs: until };
    expect(await acquireSlot(store, { ...one, key: { lane: 'batch' }, holder: 'lane-holder' })).toBeDefined();
    expect(await acquireSlot(store, { ...one, key: 'lane#batch', holder: 'event-holder' })).toBeDefined();
    // An ordinary key keeps its item's name (a deployed table's live items).
    expect((await acquireSlot(store, { ...one, key: 'tenant-a', holder: 'h' }))?.pk).toBe('concurrency#triage#tenant-a');
  });
});
