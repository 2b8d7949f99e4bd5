import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, RuleDefinition, TargetDefinition } from '../../../local/events/definitions.js';
import { type DeliveryNote, TargetDeliveryOutbox as EventsOutbox } from '../../../local/events/target-outbox.js';
import { AsyncInvoker } from '../../../local/lambda/async/async-invoker.js';
import type { FunctionRuntime } from '../../../local/lambda/runtime/function-runtime.js';
import { type DeliveryRecord, SnsStore } from '../../../local/sns/sns-store.js';
import { subscriptionDeliveryOutbox } from '../../../local/sns/subscription-outbox.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

// The outbox clients keep each service's table as the code before them wrote it: rows a data
// folder holds from then are delivered after the upgrade.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function database(): DatabaseSync {
  const db = openDatabase(':memory:');
  cleanups.push(() => db.close());
  return db;
}

const event: EventEnvelope = {
  version: '0',
  id: 'e-1',
  'detail-type': 'Order placed',
  source: 'shop',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { order: 7 },
};

describe('TargetDeliveryOutbox (EventBridge) on an old data folder', () => {
  it('delivers a pending row written before trace headers, and takes new rows beside it', async () => {
    const db = database();
    const clock = new ManualClock();
    // The deliveries table as it was before trace propagation added its column.
    db.exec(`
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY, event TEXT NOT NULL, rule_arn TEXT NOT NULL, target_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);
      CREATE INDEX deliveries_due ON deliveries (next_at, id);
    `);
    const rule = { name: 'orders', arn: 'arn:aws:events:us-east-1:000000000000:rule/orders' } as RuleDefinition;
    const target = { id: 't', arn: 'arn:aws:sqs:us-east-1:000000000000:orders' } as TargetDefinition;
    db.prepare(
      'INSERT INTO deliveries (event, rule_arn, target_id, attempts, first_at, next_at, last_error) VALUES (?, ?, ?, 2, ?, ?, ?)',
    ).run(JSON.stringify(event), rule.arn, target.id, clock.now() - 5000, clock.now() - 1000, 'InternalFailure: down');
    const delivered: string[] = [];
    const notes: DeliveryNote[] = [];
    const outbox = new EventsOutbox({
      db,
      clock,
      delivery: {
        deliver: async (_target, _input, e) => {
          delivered.push(e.id);
        },
        deadLetter: async () => {},
      },
      resolve: () => ({ rule, target }),
      onDelivery: (note) => notes.push(note),
    });
    cleanups.push(() => outbox.stop());
    outbox.add(JSON.stringify({ ...event, id: 'e-2' }), rule.arn, target.id, 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    outbox.start();
    await outbox.idle();
    expect(delivered).toEqual(['e-1', 'e-2']);
    expect(notes.map((note) => [note.eventId, note.outcome, note.attempts])).toEqual([
      ['e-1', 'delivered', 3],
      ['e-2', 'delivered', 1],
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 0 });
  });
});

describe('subscriptionDeliveryOutbox (SNS) on an old data folder', () => {
  it('delivers a pending row of the deliveries table as the store wrote it', async () => {
    const db = database();
    const clock = new ManualClock();
    const store = new SnsStore(db);
    const notification = { messageId: 'm-1', topicArn: 'arn:aws:sns:us-east-1:000000000000:t', message: 'hello', attributes: {} };
    db.prepare(
      'INSERT INTO deliveries (subscription_arn, order_key, notification, attempts, first_at, next_at, last_error) VALUES (?, NULL, ?, 4, ?, ?, ?)',
    ).run('arn:sub', JSON.stringify(notification), clock.now() - 9000, clock.now() - 1, 'InternalFailure: down');
    const handled: DeliveryRecord[] = [];
    const outbox = subscriptionDeliveryOutbox(store, clock, async (delivery) => {
      handled.push(delivery);
      return { kind: 'done' };
    });
    cleanups.push(() => outbox.stop());
    outbox.start();
    await outbox.idle();
    expect(handled).toEqual([
      { id: 1, subscriptionArn: 'arn:sub', orderKey: null, notification, attempts: 4, firstAt: clock.now() - 9000 },
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 0 });
  });
});

describe('AsyncInvoker on an old data folder', () => {
  it('runs an event queued before trace headers, and queues new ones beside it', async () => {
    const db = database();
    const clock = new ManualClock();
    // The queue as it was before trace propagation added its column.
    db.exec(`
      CREATE TABLE lambda_async_event (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, function_name TEXT NOT NULL, request_id TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL, accepted_at INTEGER NOT NULL, due_at INTEGER NOT NULL,
        invoke_count INTEGER NOT NULL DEFAULT 0, function_errors INTEGER NOT NULL DEFAULT 0,
        throttles INTEGER NOT NULL DEFAULT 0, last_response TEXT);
    `);
    db.prepare(
      "INSERT INTO lambda_async_event (function_name, request_id, payload, accepted_at, due_at, invoke_count) VALUES ('fn', 'r-old', ?, ?, ?, 1)",
    ).run(JSON.stringify({ id: 'old' }), clock.now() - 1000, clock.now() - 1000);
    const payloads: unknown[] = [];
    const fn = {
      definition: { name: 'fn', arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn' },
      maxConcurrency: 1,
      invoke: async (payload: unknown) => {
        payloads.push(payload);
        return { ok: true, payload: '{}', requestId: 'r' };
      },
    } as unknown as FunctionRuntime;
    const logs: string[] = [];
    const invoker = new AsyncInvoker(new Map([['fn', fn]]), {
      db,
      clock,
      destinations: { send: async () => {} },
      log: (_name, line) => logs.push(line),
      pollIntervalMs: 10,
    });
    cleanups.push(() => invoker.stop());
    invoker.accept(fn, { id: 'new' });
    invoker.start();
    await invoker.idle();
    expect(payloads).toEqual([{ id: 'old' }, { id: 'new' }]);
    expect(invoker.queued('fn')).toBe(0);
    expect(logs).toEqual([]);
  });
});
