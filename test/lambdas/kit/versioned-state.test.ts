import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { EXPIRES_AT_ATTRIBUTE } from '../../../contracts/wiring.js';
import { applyVersioned, ignoredRecordKey } from '../../../lambdas/kit/versioned-state.js';
import { useDynamoDb, useTablePerTest } from '../../helpers/dynamodb-engine.js';

const dynamo = useDynamoDb();
const table = useTablePerTest(dynamo, 'entities', (name) => dynamo.createTable(name, 'pk'));

const write = (version: number, state: string, eventId = `e-${version}-${state}`) =>
  applyVersioned({ client: dynamo.client, tableName: table.name, key: { name: 'pk', value: 'E-1' }, version, update: { state }, eventId });

async function entity() {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: table.name, Key: marshall({ pk: 'E-1' }), ConsistentRead: true }),
  );
  return Item ? unmarshall(Item) : undefined;
}

async function ignoredRecords() {
  return (await dynamo.items(table.name)).filter((item) => item.kind === 'ignored');
}

describe('applyVersioned', () => {
  it('applies the first event and then a newer one', async () => {
    expect((await write(1, 'open')).outcome).toBe('applied');
    expect((await write(2, 'assigned')).outcome).toBe('applied');
    expect(await entity()).toEqual({ pk: 'E-1', state: 'assigned', version: 2 });
    expect(await ignoredRecords()).toEqual([]);
  });

  it('ignores an older event that arrives after a newer one, and records it with the reason', async () => {
    await write(3, 'closed', 'e-new');
    const result = await write(2, 'open', 'e-late');
    expect(result).toMatchObject({ outcome: 'ignored-stale', current: { state: 'closed', version: 3 } });
    expect(await entity()).toEqual({ pk: 'E-1', state: 'closed', version: 3 });
    expect(await ignoredRecords()).toEqual([
      expect.objectContaining({
        pk: ignoredRecordKey('E-1', 'e-late'),
        entityKey: 'E-1',
        eventId: 'e-late',
        eventVersion: 2,
        currentVersion: 3,
        reason: 'stale',
      }),
    ]);
  });

  it('treats the same event twice as a duplicate: the second has no effect and is recorded once', async () => {
    await write(1, 'open', 'e-1');
    const before = await entity();
    const second = await write(1, 'open-again', 'e-1');
    const third = await write(1, 'open-again', 'e-1');
    expect(second.outcome).toBe('ignored-duplicate');
    expect(third.outcome).toBe('ignored-duplicate');
    expect(await entity()).toEqual(before);
    expect(await ignoredRecords()).toEqual([
      expect.objectContaining({ eventId: 'e-1', eventVersion: 1, currentVersion: 1, reason: 'duplicate' }),
    ]);
  });

  it('converges to the highest version when many updates race, whatever order they land in', async () => {
    const versions = Array.from({ length: 40 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const results = await Promise.all(versions.map((version) => write(version, `s${version}`)));
    expect(await entity()).toEqual({ pk: 'E-1', state: 's40', version: 40 });
    const applied = results.filter((r) => r.outcome === 'applied').length;
    expect(applied).toBeGreaterThanOrEqual(1);
    // Every event is either applied or recorded as ignored: none dropped silently.
    expect(await ignoredRecords()).toHaveLength(versions.length - applied);
  });

  it('replaces an item written before versioning (no version attribute), as if it held version 0', async () => {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    await dynamo.client.send(new PutItemCommand({ TableName: table.name, Item: marshall({ pk: 'E-1', state: 'legacy' }) }));
    expect((await write(1, 'open')).outcome).toBe('applied');
    expect(await entity()).toEqual({ pk: 'E-1', state: 'open', version: 1 });
  });

  it('stamps an ignored-event record with when TTL may delete it, and never the entity item', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const stamp = (version: number, eventId: string, ignoredRecordRetentionDays?: number) =>
      applyVersioned({
        client: dynamo.client,
        tableName: table.name,
        key: { name: 'pk', value: 'E-1' },
        version,
        update: { state: 's' },
        eventId,
        now,
        ignoredRecordRetentionDays,
      });
    await stamp(2, 'e-2');
    await stamp(1, 'e-late');
    await stamp(1, 'e-later', 7);
    const nowSeconds = now.getTime() / 1000;
    expect((await entity())?.[EXPIRES_AT_ATTRIBUTE]).toBeUndefined();
    const byEvent = Object.fromEntries((await ignoredRecords()).map((r) => [r.eventId, r[EXPIRES_AT_ATTRIBUTE]]));
    expect(byEvent).toEqual({ 'e-late': nowSeconds + 90 * 86_400, 'e-later': nowSeconds + 7 * 86_400 });
  });

  it('fails if the retention of ignored-event records is not positive or beyond five years', async () => {
    const withRetention = (days: number) =>
      applyVersioned({
        client: dynamo.client,
        tableName: table.name,
        key: { name: 'pk', value: 'E-1' },
        version: 1,
        update: {},
        eventId: 'e',
        ignoredRecordRetentionDays: days,
      });
    await expect(withRetention(0)).rejects.toThrow('ignoredRecordRetentionDays must be more than 0 and at most 1825 (got 0)');
    await expect(withRetention(2000)).rejects.toThrow('(got 2000)');
  });

  it('fails if the version is not a positive integer', async () => {
    await expect(write(0, 'x')).rejects.toThrow('version must be a positive integer');
    await expect(write(1.5, 'x')).rejects.toThrow('version must be a positive integer');
  });
});
