import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { EventBridgeV2Store } from '../../../local/eventbridgev2/store.js';

const BUS = 'arn:aws:events:us-east-1:000000000000:event-busv2/app-bus/abc';
const SUBSCRIBER = 'arn:aws:events:us-east-1:000000000000:subscriber/app-bus/to-queue/def';

describe('EventBridgeV2Store tags', () => {
  it("keeps the tags a data folder of an earlier version held in its buses' and subscribers' records, rewriting each without them", () => {
    const db = new DatabaseSync(':memory:');
    // The records as the earlier version kept them: each with its `Tags` map.
    db.exec('CREATE TABLE eventbridgev2_bus (arn TEXT PRIMARY KEY, json TEXT NOT NULL)');
    db.exec('CREATE TABLE eventbridgev2_subscriber (arn TEXT PRIMARY KEY, json TEXT NOT NULL)');
    const bus = { Name: 'app-bus', EventBusArn: BUS, CreationTime: 1, LastModifiedTime: 1, Policies: {} };
    const subscriber = {
      Name: 'to-queue',
      SubscriberArn: SUBSCRIBER,
      EventBusArn: BUS,
      CreationTime: 1,
      LastModifiedTime: 1,
      configuration: {},
    };
    db.prepare('INSERT INTO eventbridgev2_bus (arn, json) VALUES (?, ?)').run(BUS, JSON.stringify({ ...bus, Tags: { team: 'a' } }));
    db.prepare('INSERT INTO eventbridgev2_subscriber (arn, json) VALUES (?, ?)').run(
      SUBSCRIBER,
      JSON.stringify({ ...subscriber, Tags: {} }),
    );
    const store = new EventBridgeV2Store(db);
    expect(store.tags.map(BUS)).toEqual({ team: 'a' });
    expect(store.tags.map(SUBSCRIBER)).toEqual({});
    expect(store.buses.get(BUS)).toEqual(bus);
    expect(store.subscribers.get(SUBSCRIBER)).toEqual(subscriber);
  });

  it("forgets a removed resource's tags: one created again under its ARN starts untagged", () => {
    const store = new EventBridgeV2Store(new DatabaseSync(':memory:'));
    store.buses.put(BUS, { Name: 'app-bus', EventBusArn: BUS, CreationTime: 1, LastModifiedTime: 1, Policies: {} });
    store.tags.tag(BUS, [['team', 'a']]);
    store.remove(store.buses, BUS);
    expect(store.buses.get(BUS)).toBeUndefined();
    expect(store.tags.map(BUS)).toEqual({});
  });
});
