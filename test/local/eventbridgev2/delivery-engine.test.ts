import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { EventBridgeV2Service } from '../../../local/eventbridgev2/eventbridgev2-service.js';
import type { SendMessageInput } from '../../../local/sqs/sqs-types.js';
import { TargetDispatcher } from '../../../local/targets/dispatcher.js';
import { ManualClock } from '../../../local/time/clock.js';
import { tempDataDir } from '../helpers.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deliver`;
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:ordered.fifo`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:batches`;
const FILTER = { Filters: [{ Pattern: '{"n": [{"exists": true}]}', Scope: 'DATA' }] };

/** What the fake targets were sent: each SendMessage, and each Invoke's event. */
interface Sent {
  readonly messages: SendMessageInput[];
  readonly invocations: unknown[];
}

/** A service over `file` whose targets record what they get; `hang` keeps SendMessage from answering once it took a message (a crash right after). */
function serviceOver(file: string, clock: ManualClock, sent: Sent, options: { hang?: boolean } = {}) {
  const dispatcher = new TargetDispatcher({
    sqs: {
      queueUrl: (arn) => arn,
      SendMessage: (input) => {
        sent.messages.push(input);
        return options.hang ? new Promise(() => undefined) : Promise.resolve({ MessageId: `m-${sent.messages.length}` });
      },
    },
    lambda: {
      invokeAsync: async (_fn, event) => sent.invocations.push(event),
      invoke: async (_fn, event) => {
        sent.invocations.push(event);
        return { ok: true, payload: 'null' };
      },
    },
  });
  return new EventBridgeV2Service(new DatabaseSync(file), {
    region: 'us-east-1',
    accountId: ACCOUNT,
    clock,
    delivery: { dispatcher, log: () => undefined },
  });
}

const raw = (data: Record<string, unknown>, group?: string) => ({
  Data: Buffer.from(JSON.stringify(data)).toString('base64'),
  SystemMetadata: { ContentType: 'application/json', ...(group ? { EventGroupId: group } : {}) },
});

/** Runs the subscribers until nothing is due at the clock's time. */
async function settle(service: EventBridgeV2Service): Promise<void> {
  service.delivery?.wake();
  await service.delivery?.idle();
}

describe('EventBridgeV2 delivery engine', () => {
  it('sends an event its target took just before a crash again with the event id as the FIFO queue deduplication id', async () => {
    const file = join(tempDataDir(), 'eventbridgev2.sqlite');
    const clock = new ManualClock(Date.UTC(2026, 9, 1));
    const before: Sent = { messages: [], invocations: [] };
    const crashed = serviceOver(file, clock, before, { hang: true });
    const bus = String((await crashed.CreateEventBus({ Name: 'orders' })).EventBusArn);
    await crashed.CreateSubscriber({
      EventBusArn: bus,
      Name: 'ordered',
      Type: 'FIFO',
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: QUEUE },
      FilterConfiguration: FILTER,
    });
    crashed.delivery?.start();
    await crashed.PutRawEvents({ EventBusArn: bus, Entries: [raw({ n: 1 }, 'g')] });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(before.messages).toHaveLength(1);

    // The queue took the message and the process died before the delivery was recorded: the next start sends it again.
    const after: Sent = { messages: [], invocations: [] };
    const restarted = serviceOver(file, clock, after);
    restarted.delivery?.start();
    await settle(restarted);
    expect(after.messages).toHaveLength(1);
    const [first, again] = [before.messages[0], after.messages[0]];
    expect(again?.MessageDeduplicationId).toBe(first?.MessageDeduplicationId);
    expect(again).toMatchObject({ MessageGroupId: 'g', MessageBody: '{"n":1}' });
    await restarted.delivery?.stop();
  });

  it('purges events older than the bus retention period: a HORIZON subscriber reads only those retained', async () => {
    const clock = new ManualClock(Date.UTC(2026, 9, 1));
    const sent: Sent = { messages: [], invocations: [] };
    const service = serviceOver(join(tempDataDir(), 'eventbridgev2.sqlite'), clock, sent);
    service.delivery?.start();
    const bus = String((await service.CreateEventBus({ Name: 'short', StorageConfiguration: { RetentionPeriodInDays: 1 } })).EventBusArn);
    await service.PutRawEvents({ EventBusArn: bus, Entries: [raw({ n: 1 })] });
    clock.advance(2 * 86_400_000);
    await service.PutRawEvents({ EventBusArn: bus, Entries: [raw({ n: 2 })] });
    await service.CreateSubscriber({
      EventBusArn: bus,
      Name: 'replay',
      StartingPosition: 'POINT_IN_TIME',
      PointInTimeConfiguration: { PointType: 'HORIZON' },
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:replay` },
      FilterConfiguration: FILTER,
    });
    await settle(service);
    expect(sent.messages.map((message) => JSON.parse(message.MessageBody))).toEqual([{ n: 2 }]);
    expect(service.events.retained(bus)).toBe(1);
    await service.delivery?.stop();
  });

  it("forgets a deleted bus's retained events", async () => {
    const clock = new ManualClock(Date.UTC(2026, 9, 1));
    const service = serviceOver(join(tempDataDir(), 'eventbridgev2.sqlite'), clock, { messages: [], invocations: [] });
    const bus = String((await service.CreateEventBus({ Name: 'gone' })).EventBusArn);
    await service.PutRawEvents({ EventBusArn: bus, Entries: [raw({ n: 1 }), raw({ n: 2 })] });
    expect(service.events.retained(bus)).toBe(2);
    await service.DeleteEventBus({ EventBusArn: bus });
    expect(service.events.retained(bus)).toBe(0);
  });

  it('holds a batch for MaxBatchWindowInSeconds and closes it at the target byte limit', async () => {
    const clock = new ManualClock(Date.UTC(2026, 9, 1));
    const sent: Sent = { messages: [], invocations: [] };
    const service = serviceOver(join(tempDataDir(), 'eventbridgev2.sqlite'), clock, sent);
    service.delivery?.start();
    const bus = String((await service.CreateEventBus({ Name: 'windows' })).EventBusArn);
    await service.CreateSubscriber({
      EventBusArn: bus,
      Name: 'windowed',
      BatchConfiguration: { MaxBatchSize: 10, MaxBatchWindowInSeconds: 10 },
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: FUNCTION, LambdaParameters: { InvocationType: 'EVENT' } },
      FilterConfiguration: FILTER,
    });
    await service.PutRawEvents({ EventBusArn: bus, Entries: [raw({ n: 1 })] });
    await service.PutRawEvents({ EventBusArn: bus, Entries: [raw({ n: 2 })] });
    await settle(service);
    expect(sent.invocations).toEqual([]);
    clock.advance(10_000);
    await settle(service);
    expect(sent.invocations).toEqual([[{ n: 1 }, { n: 2 }]]);

    // An asynchronous Invoke takes 1 MB: three events of 400 KB make a batch of two and one of one.
    const big = (n: number) => raw({ n, pad: 'x'.repeat(400_000) });
    await service.PutRawEvents({ EventBusArn: bus, Entries: [big(3), big(4), big(5)] });
    clock.advance(10_000);
    await settle(service);
    expect((sent.invocations.slice(1) as { n: number }[][]).map((batch) => batch.map((event) => event.n))).toEqual([[3, 4], [5]]);
    await service.delivery?.stop();
  });
});
