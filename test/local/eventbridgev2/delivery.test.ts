import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeV2Module } from '../../../local/eventbridgev2/module.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { disposableData, eventually } from '../helpers.js';
import { arnOf, eventRule, inlineFunction, sqsQueue, stateMachine } from '../template-resources.js';
import { BOTOCORE_SKIP_REASON, type BotocoreCall, botocore, botocoreMissing, ok } from './botocore.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deliver`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:recorder`;
const machineArn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

/** Records each invocation's event (the batch's array) in the `calls` queue; fails a batch holding an event with `fail`. */
const RECORDER = `const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const client = new SQSClient({});
exports.handler = async (event) => {
  await client.send(new SendMessageCommand({ QueueUrl: process.env.CALLS_URL, MessageBody: JSON.stringify(event) }));
  if ([].concat(event).some((e) => e.fail)) throw new Error('refused ' + JSON.stringify(event));
};`;

const APP = assemblyOf({
  Calls: sqsQueue('calls'),
  Recorder: inlineFunction(RECORDER, { FunctionName: 'recorder', Environment: { Variables: { CALLS_URL: { Ref: 'Calls' } } } }),
  Plain: sqsQueue('plain'),
  Paused: sqsQueue('paused'),
  Latest: sqsQueue('latest'),
  Horizon: sqsQueue('horizon'),
  Dead: sqsQueue('dead'),
  MachineDead: sqsQueue('machine-dead'),
  Classic: { Type: 'AWS::Events::EventBus', Properties: { Name: 'classic' } },
  FromClassic: sqsQueue('from-classic'),
  ClassicDead: sqsQueue('classic-dead'),
  ClassicRule: eventRule({ bus: 'Classic', pattern: { source: ['shop'] }, target: 'FromClassic', id: 'queue' }),
  Second: sqsQueue('second'),
  LoopDead: sqsQueue('loop-dead'),
  FromRule: sqsQueue('from-rule'),
  Migrated: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'migrated' } },
  ToCustomBus: eventRule({
    bus: 'Classic',
    pattern: { source: ['migrating'] },
    targets: [{ Id: 'custom-bus', Arn: { 'Fn::GetAtt': ['Migrated', 'EventBusArn'] } }],
  }),
  Succeeding: stateMachine(
    { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    { StateMachineName: 'succeeding', StateMachineType: 'EXPRESS' },
  ),
  Failing: stateMachine(
    { StartAt: 'Refuse', States: { Refuse: { Type: 'Fail', Error: 'Refused', Cause: 'the batch was refused' } } },
    { StateMachineName: 'failing', StateMachineType: 'EXPRESS' },
  ),
  Standard: stateMachine({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, { StateMachineName: 'standard' }),
  Refs: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: 'refs', Value: arnOf('Calls') } },
});

/** Events carry `n` (and `group`, `fail`); every subscriber here selects them by `n`. */
const FILTER = { Filters: [{ Pattern: '{"n": [{"numeric": [">", 0]}]}', Scope: 'DATA' }] };

/**
 * Delivery of a Custom Event Bus's events to subscribers (eb-custom-bus-subscribers, -batching,
 * -ordering, -retry, -replay), driven by botocore against a runtime whose clock the test moves.
 */
describe.skipIf(botocoreMissing)('EventBridgeV2 delivery', () => {
  const clock = new AdvanceableClock();
  let runtime: LocalRuntime;
  const call = async (...calls: BotocoreCall[]) => (await botocore(runtime.url, calls)).map(ok);
  const queueUrl = (name: string) => `${runtime.url}/${ACCOUNT}/${name}`;
  /** Receives (and deletes, so that no clock moved on shows them again) the queue's messages until `expected` have come. */
  const bodies = async (name: string, expected: number) => {
    const taken: unknown[] = [];
    await eventually(
      async () => {
        const { Messages = [] } = (await runtime.sqs.ReceiveMessage({ QueueUrl: queueUrl(name), MaxNumberOfMessages: 10 })) as {
          Messages?: { Body: string; ReceiptHandle: string }[];
        };
        for (const message of Messages) {
          taken.push(JSON.parse(message.Body));
          await runtime.sqs.DeleteMessage({ QueueUrl: queueUrl(name), ReceiptHandle: message.ReceiptHandle });
        }
        return taken.length >= expected ? true : undefined;
      },
      30_000,
      `${expected} messages in ${name}`,
    );
    return taken;
  };
  const newBus = async (name: string) => String((await call({ operation: 'create_event_bus', params: { Name: name } }))[0]?.EventBusArn);
  const subscribe = async (bus: string, name: string, target: string, settings: Record<string, unknown> = {}) =>
    String(
      (
        await call({
          operation: 'create_subscriber',
          params: {
            EventBusArn: bus,
            Name: name,
            InvokeConfiguration: { RoleArn: ROLE, TargetArn: target },
            FilterConfiguration: FILTER,
            ...settings,
          },
        })
      )[0]?.SubscriberArn,
    );
  const publish = async (bus: string, events: readonly Record<string, unknown>[]) => {
    const [answer] = await call({
      operation: 'put_raw_events',
      params: {
        EventBusArn: bus,
        Entries: events.map((data) => ({
          Data: { $bytes: Buffer.from(JSON.stringify(data)).toString('base64') },
          SystemMetadata: { ContentType: 'application/json', ...(typeof data.group === 'string' ? { EventGroupId: data.group } : {}) },
        })),
      },
    });
    expect(answer?.FailedEntryCount).toBe(0);
  };
  /** Waits until every subscriber has done what it can do now. */
  const settled = () => runtime.eventbridgev2.delivery?.idle();

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ cdkOut: APP, ...disposableData(), port: 0, log: () => undefined, clock });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('invokes a function with arrays of at most MaxBatchSize events, in publish order', async () => {
    const bus = await newBus('batches');
    await subscribe(bus, 'to-function', FUNCTION, {
      BatchConfiguration: { MaxBatchSize: 3 },
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: FUNCTION, LambdaParameters: { InvocationType: 'REQUEST_RESPONSE' } },
    });
    await publish(
      bus,
      Array.from({ length: 7 }, (_, i) => ({ n: i + 1 })),
    );
    const calls: { n: number }[][] = [];
    await eventually(
      async () => {
        calls.push(...((await bodies('calls', 1)) as { n: number }[][]));
        return calls.flat().length >= 7 ? true : undefined;
      },
      30_000,
      'the seven events invoked',
    );
    expect(calls.every((batch) => Array.isArray(batch) && batch.length >= 1 && batch.length <= 3)).toBe(true);
    expect(calls.flat().map((event) => event.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('sends a queue one message per event', async () => {
    const bus = await newBus('to-queue');
    await subscribe(bus, 'to-queue', queueArn('plain'));
    await publish(bus, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    const received = (await bodies('plain', 5)) as { n: number }[];
    expect(received.map((event) => event.n).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds the events of a STOPPED subscriber and delivers every one once it is RUNNING again', async () => {
    const bus = await newBus('paused');
    const subscriber = await subscribe(bus, 'pausing', queueArn('paused'));
    await call({ operation: 'update_subscriber', params: { SubscriberArn: subscriber, State: 'STOPPED' } });
    await publish(bus, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await settled();
    const [none] = await call({ operation: 'describe_subscriber', params: { SubscriberArn: subscriber } });
    expect(none?.State).toBe('STOPPED');
    expect(await runtime.sqs.ReceiveMessage({ QueueUrl: queueUrl('paused'), MaxNumberOfMessages: 10 })).not.toHaveProperty('Messages.0');
    await call({ operation: 'update_subscriber', params: { SubscriberArn: subscriber, State: 'RUNNING' } });
    const received = (await bodies('paused', 3)) as { n: number }[];
    expect(received.map((event) => event.n).sort()).toEqual([1, 2, 3]);
  });

  it('gives a LATEST subscriber only the events after it was created, and a HORIZON one every retained event', async () => {
    const bus = await newBus('positions');
    await publish(bus, [{ n: 1 }, { n: 2 }]);
    await subscribe(bus, 'latest', queueArn('latest'));
    await subscribe(bus, 'horizon', queueArn('horizon'), {
      StartingPosition: 'POINT_IN_TIME',
      PointInTimeConfiguration: { PointType: 'HORIZON' },
    });
    await publish(bus, [{ n: 3 }]);
    const fromHorizon = (await bodies('horizon', 3)) as { n: number }[];
    expect(fromHorizon.map((event) => event.n).sort()).toEqual([1, 2, 3]);
    await settled();
    const latest = (await bodies('latest', 1)) as { n: number }[];
    expect(latest.map((event) => event.n)).toEqual([3]);
    expect(await runtime.sqs.ReceiveMessage({ QueueUrl: queueUrl('latest'), MaxNumberOfMessages: 10 })).not.toHaveProperty('Messages.0');
  });

  it('keeps a FIFO subscriber in order within each group, a failing group holding only its own events, then dead-letters the record', async () => {
    const bus = await newBus('ordered');
    const subscriber = await subscribe(bus, 'ordered', FUNCTION, {
      Type: 'FIFO',
      BatchConfiguration: { MaxBatchSize: 1 },
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: FUNCTION, LambdaParameters: { InvocationType: 'REQUEST_RESPONSE' } },
      RetryPolicy: { MaxRetryAttempts: 185, MaxEventAgeInSeconds: 86_400 },
      OnFailureConfiguration: { Arn: queueArn('dead') },
    });
    await publish(bus, [
      { n: 1, group: 'a', fail: true },
      { n: 2, group: 'a' },
      { n: 3, group: 'b' },
      { n: 4, group: 'b' },
    ]);
    const seen: { n: number }[] = [];
    await eventually(
      async () => {
        seen.push(...((await bodies('calls', 1)) as { n: number }[]));
        return seen.some((event) => event.n === 4) ? true : undefined;
      },
      30_000,
      'group b delivered',
    );
    // Group b went on in order while a's first event failed; a's second waits behind it.
    const order = seen.map((event) => event.n);
    expect(order.filter((n) => n !== 1)).toEqual([3, 4]);
    expect(order).toContain(1);
    // The retries end (no attempts left): the record goes to the dead-letter queue, and a's second event follows.
    await call({ operation: 'update_subscriber', params: { SubscriberArn: subscriber, RetryPolicy: { MaxRetryAttempts: 0 } } });
    clock.advance(600_000);
    runtime.eventbridgev2.delivery?.wake();
    const [record] = (await bodies('dead', 1)) as Record<string, unknown>[];
    expect(record).toMatchObject({
      version: '1.0',
      busArn: bus,
      subscriberArn: subscriber,
      targetArn: FUNCTION,
      errorCode: 'Error',
      exhaustedRetryCondition: 'MaximumRetryAttempts',
      failedMessages: [{ eventId: expect.any(String), eventGroupId: 'a', timestamp: expect.stringMatching(/Z$/) }],
    });
    await eventually(
      async () => {
        seen.push(...((await bodies('calls', 1)) as { n: number }[]));
        return seen.some((event) => event.n === 2) ? true : undefined;
      },
      30_000,
      "group a's second event delivered",
    );
    expect(seen.map((event) => event.n).lastIndexOf(1)).toBeLessThan(seen.map((event) => event.n).indexOf(2));
  });

  it('waits for a REQUEST_RESPONSE state machine execution: a failed Express execution, or a Standard machine, is a failed delivery', async () => {
    const bus = await newBus('machines');
    const requestResponse = (name: string) => ({
      InvokeConfiguration: {
        RoleArn: ROLE,
        TargetArn: machineArn(name),
        StepFunctionsParameters: { InvocationType: 'REQUEST_RESPONSE' },
      },
      RetryPolicy: { MaxRetryAttempts: 0 },
      OnFailureConfiguration: { Arn: queueArn('machine-dead') },
    });
    await subscribe(bus, 'to-succeeding', machineArn('succeeding'), requestResponse('succeeding'));
    await subscribe(bus, 'to-failing', machineArn('failing'), requestResponse('failing'));
    await subscribe(bus, 'to-standard', machineArn('standard'), requestResponse('standard'));
    await publish(bus, [{ n: 1 }]);
    const records = (await bodies('machine-dead', 2)) as { targetArn: string; errorCode: string; errorMessage: string }[];
    await settled();
    expect(await runtime.sqs.ReceiveMessage({ QueueUrl: queueUrl('machine-dead'), MaxNumberOfMessages: 10 })).not.toHaveProperty(
      'Messages.0',
    );
    const byTarget = Object.fromEntries(records.map((record) => [record.targetArn, record]));
    expect(byTarget[machineArn('failing')]).toMatchObject({
      errorCode: 'Refused',
      errorMessage: expect.stringContaining('the batch was refused'),
    });
    expect(byTarget[machineArn('standard')]).toMatchObject({ errorCode: 'StateMachineTypeNotSupported' });
    expect(byTarget[machineArn('succeeding')]).toBeUndefined();
  });

  it('puts a PutEvents event on a Custom Event Bus - Classic target as a PutEvents entry, and fails a raw event alone', async () => {
    const bus = await newBus('to-classic');
    const classic = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/classic`;
    await call({
      operation: 'create_subscriber',
      params: {
        EventBusArn: bus,
        Name: 'to-classic',
        InvokeConfiguration: { RoleArn: ROLE, TargetArn: classic },
        FilterConfiguration: { Filters: [{ Pattern: '{"$or": [{"source": ["shop"]}, {"n": [{"exists": true}]}]}', Scope: 'DATA' }] },
        RetryPolicy: { MaxRetryAttempts: 0 },
        OnFailureConfiguration: { Arn: queueArn('classic-dead') },
      },
    });
    await call(
      {
        operation: 'put_events',
        params: { EventBusArn: bus, Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"orderId":"o-1"}' }] },
      },
      {
        operation: 'put_raw_events',
        params: {
          EventBusArn: bus,
          Entries: [{ Data: { $bytes: Buffer.from('{"n":1}').toString('base64') }, SystemMetadata: { ContentType: 'application/json' } }],
        },
      },
    );
    const [forwarded] = (await bodies('from-classic', 1)) as Record<string, unknown>[];
    expect(forwarded).toMatchObject({ source: 'shop', 'detail-type': 'OrderPlaced', detail: { orderId: 'o-1' } });
    const [record] = (await bodies('classic-dead', 1)) as Record<string, unknown>[];
    expect(record).toMatchObject({ targetArn: classic, errorCode: 'InvalidTargetPayload' });
  });

  /** Shop's PutEvents events and raw events with `n`: what the bus-to-bus subscribers select. */
  const SHOP_OR_N = { Filters: [{ Pattern: '{"$or": [{"source": ["shop"]}, {"n": [{"exists": true}]}]}', Scope: 'DATA' }] };

  it('puts a PutEvents event and a raw event on a Custom Event Bus target as new events, which its own subscribers deliver', async () => {
    const first = await newBus('forwarding');
    const second = await newBus('forwarded');
    await subscribe(first, 'onward', second, { FilterConfiguration: SHOP_OR_N });
    await subscribe(second, 'to-second', queueArn('second'), { FilterConfiguration: SHOP_OR_N, Transformer: { Type: 'WITH_METADATA' } });
    const [put, putRaw] = await call(
      {
        operation: 'put_events',
        params: { EventBusArn: first, Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"orderId":"o-1"}' }] },
      },
      {
        operation: 'put_raw_events',
        params: {
          EventBusArn: first,
          Entries: [
            {
              Data: { $bytes: Buffer.from('{"n":1}').toString('base64') },
              Metadata: { tenant: 't-1' },
              SystemMetadata: { ContentType: 'application/json' },
            },
          ],
        },
      },
    );
    const originalIds = [put, putRaw].map((answer) => ((answer?.Entries ?? []) as { EventId: string }[])[0]?.EventId);
    const received = (await bodies('second', 2)) as {
      Data: Record<string, unknown>;
      Metadata: Record<string, string>;
      SystemMetadata: Record<string, string>;
    }[];
    const envelope = received.find((event) => event.SystemMetadata.ContentType === 'application/eventbridge+json');
    const raw = received.find((event) => event.SystemMetadata.ContentType === 'application/json');
    expect(envelope?.Data).toMatchObject({ source: 'shop', 'detail-type': 'OrderPlaced', detail: { orderId: 'o-1' } });
    expect(raw).toMatchObject({ Data: { n: 1 }, Metadata: { tenant: 't-1' } });
    // New events: ids of their own, and the loop bookkeeping nowhere a subscriber sees.
    for (const event of received) {
      expect(originalIds).not.toContain(event.SystemMetadata['aws:EventId']);
      expect(JSON.stringify(event)).not.toContain('passed-buses');
    }
    expect(envelope?.Data.id).toBe(envelope?.SystemMetadata['aws:EventId']);
  });

  it('cuts a loop between two Custom Event Buses: the event coming back fails LOOP_DETECTED, not retried, to the dead-letter queue', async () => {
    const a = await newBus('loop-a');
    const b = await newBus('loop-b');
    const loopSettings = { FilterConfiguration: SHOP_OR_N, OnFailureConfiguration: { Arn: queueArn('loop-dead') } };
    await subscribe(a, 'a-to-b', b, loopSettings);
    const backToA = await subscribe(b, 'b-to-a', a, loopSettings);
    await publish(a, [{ n: 1 }]);
    // The default RetryPolicy retries 5 times with backoff and this clock does not move: a record now was never retried.
    const [record] = (await bodies('loop-dead', 1)) as Record<string, unknown>[];
    expect(record).toMatchObject({
      busArn: b,
      subscriberArn: backToA,
      targetArn: a,
      errorCode: 'LOOP_DETECTED',
      exhaustedRetryCondition: 'None',
      retryAttempts: 0,
    });
    await settled();
    // A kept its one event: nothing came back.
    expect(runtime.eventbridgev2.events.retained(a)).toBe(1);
    expect(runtime.eventbridgev2.events.retained(b)).toBe(1);
  });

  it('puts the event a Custom Event Bus - Classic rule targets at a Custom Event Bus there as a PutEvents event', async () => {
    const migrated = String(runtime.eventbridgev2.store.buses.all().find((bus) => bus.Name === 'migrated')?.EventBusArn);
    await subscribe(migrated, 'from-rule', queueArn('from-rule'), {
      FilterConfiguration: { Filters: [{ Pattern: '{"source": ["migrating"]}', Scope: 'DATA' }] },
    });
    await runtime.events.PutEvents({
      Entries: [{ EventBusName: 'classic', Source: 'migrating', DetailType: 'Moved', Detail: '{"k":"v"}', Resources: ['r-1'] }],
    });
    const [event] = (await bodies('from-rule', 1)) as Record<string, unknown>[];
    expect(event).toMatchObject({ source: 'migrating', 'detail-type': 'Moved', detail: { k: 'v' }, resources: ['r-1'], account: ACCOUNT });
  });

  it('drops an event without a dead-letter queue once its retries are spent, and counts it in the start-up report', async () => {
    const bus = await newBus('dropping');
    await subscribe(bus, 'nowhere', queueArn('missing'), { RetryPolicy: { MaxRetryAttempts: 0 } });
    await publish(bus, [{ n: 1 }]);
    await eventually(async () => (runtime.eventbridgev2.counts().dropped >= 1 ? true : undefined), 30_000, 'the event dropped');
    const report = await eventBridgeV2Module.report?.(runtime.eventbridgev2, {
      url: runtime.url,
      accountId: ACCOUNT,
      definitions: {} as never,
    });
    expect(report?.counts).toMatchObject({ 'custom bus events dropped (EventsDropped)': 1 });
  });
});

if (botocoreMissing) console.info(BOTOCORE_SKIP_REASON);
