import { describe, expect, it } from 'vitest';
import { type CustomBusesPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { arnOf, sqsQueue } from '../template-resources.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deliver`;
const FILTER = { Filters: [{ Pattern: '{"source": ["shop"]}', Scope: 'DATA' }] };

const subscriber = (name: string, target: unknown, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::EventsV2::Subscriber',
  Properties: {
    Name: name,
    EventBusArn: { Ref: 'Bus' },
    InvokeConfiguration: { RoleArn: ROLE, TargetArn: target },
    FilterConfiguration: FILTER,
    ...extra,
  },
});

/** A bus with a subscriber that delivers, one stopped (it reads nothing), one whose batch window holds its events, and one whose target is no queue (dead-lettered at once). */
const APP = assemblyOf({
  Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'orders-bus', StorageConfiguration: { RetentionPeriodInDays: 7 } } },
  Orders: sqsQueue('orders'),
  Dead: sqsQueue('dead'),
  ToOrders: subscriber('to-orders', arnOf('Orders'), { Type: 'FIFO', BatchConfiguration: { MaxBatchSize: 5 } }),
  Stopped: subscriber('stopped', arnOf('Orders'), { State: 'STOPPED' }),
  Windowed: subscriber('windowed', arnOf('Orders'), { BatchConfiguration: { MaxBatchSize: 10, MaxBatchWindowInSeconds: 300 } }),
  Nowhere: subscriber('nowhere', `arn:aws:sqs:us-east-1:${ACCOUNT}:missing`, {
    RetryPolicy: { MaxRetryAttempts: 0 },
    OnFailureConfiguration: { Arn: arnOf('Dead') },
  }),
});

/** The read API's `/custom-buses`: the Custom Event Buses, their subscribers' settings and counts, for the console. */
describe('customBusesReads', () => {
  const app = restartableRuntime({ assembly: () => APP });
  const read = async () => {
    const response = await fetch(`${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.customBuses}`);
    expect(response.status).toBe(200);
    return (await response.json()) as CustomBusesPage;
  };

  it('lists each bus with its subscribers and their settings', async () => {
    const { buses } = await read();
    expect(buses).toHaveLength(1);
    expect(buses[0]).toMatchObject({ name: 'orders-bus', retentionDays: 7 });
    expect(buses[0]?.subscribers.map((s) => s.name)).toEqual(['nowhere', 'stopped', 'to-orders', 'windowed']);
    expect(buses[0]?.subscribers[2]).toMatchObject({
      targetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`,
      type: 'FIFO',
      state: 'RUNNING',
      filters: [{ scope: 'DATA', pattern: '{"source": ["shop"]}' }],
      batch: { maxBatchSize: 5 },
    });
    expect(buses[0]?.subscribers[0]?.deadLetterArn).toBe(`arn:aws:sqs:us-east-1:${ACCOUNT}:dead`);
    expect(buses[0]?.subscribers[1]?.state).toBe('STOPPED');
  });

  it('counts what each subscriber did with the events it selected', async () => {
    const busArn = (await read()).buses[0]?.arn;
    const entry = { EventBusArn: busArn, Source: 'shop', DetailType: 'placed', Data: '{"n": 1}' };
    await app.runtime.eventbridgev2.PutEvents({ EventBusArn: busArn, Entries: [entry, entry] });
    const counted = await eventually(
      async () => {
        const subscribers = (await read()).buses[0]?.subscribers ?? [];
        const done = subscribers.every((s) => s.state === 'STOPPED' || s.counts.delivered + s.counts.deadLettered + s.counts.waiting === 2);
        return done ? subscribers : undefined;
      },
      30_000,
      'each subscriber to settle its 2 events',
    );
    expect(counted.map((s) => [s.name, s.counts])).toEqual([
      ['nowhere', { delivered: 0, retrying: 0, deadLettered: 2, dropped: 0, waiting: 0 }],
      ['stopped', { delivered: 0, retrying: 0, deadLettered: 0, dropped: 0, waiting: 0 }],
      ['to-orders', { delivered: 2, retrying: 0, deadLettered: 0, dropped: 0, waiting: 0 }],
      ['windowed', { delivered: 0, retrying: 0, deadLettered: 0, dropped: 0, waiting: 2 }],
    ]);
  });
});
